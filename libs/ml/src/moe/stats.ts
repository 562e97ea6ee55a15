// Per-expert load statistics in inference (ADR 0002): every graph of an MoE model outputs, per layer, how many
// (token, slot) assignments each expert received in that run. These helpers turn a run's outputs into counts and
// keep a running tally that a serving layer drains into its metrics (neuroforge_moe_expert_tokens_total).
import type { HostTensor } from '../runtime/session';
import { expertTokensName } from './graph';

/** counts[layer][expert] of one run, read from the graph outputs `moe_expert_tokens_{layer}`. */
export function expertTokenCounts(outputs: Record<string, HostTensor>, numLayers: number): number[][] {
  return Array.from({ length: numLayers }, (_, layer) => {
    const t = outputs[expertTokensName(layer)];
    if (t?.type !== 'int64') {
      throw new Error(`graph output '${expertTokensName(layer)}' missing or not int64: is this an MoE model's graph?`);
    }
    return Array.from(t.data, (v) => Number(v));
  });
}

/** One row of a drained tally: the counter increment for `{layer, expert}`. */
export interface ExpertLoadSample {
  layer: number;
  expert: number;
  tokens: number;
}

/** Running per-layer, per-expert token totals; `drain()` hands back what accumulated since the last drain. */
export class ExpertLoadTally {
  private pending: number[][];
  private readonly totals: number[][];

  constructor(
    readonly numLayers: number,
    readonly numExperts: number,
  ) {
    this.pending = this.zeros();
    this.totals = this.zeros();
  }

  /** Adds one run's counts (the graph outputs of any form). */
  record(outputs: Record<string, HostTensor>): void {
    const counts = expertTokenCounts(outputs, this.numLayers);
    counts.forEach((row, layer) => {
      row.forEach((n, expert) => {
        (this.pending[layer] as number[])[expert] = ((this.pending[layer] as number[])[expert] as number) + n;
        (this.totals[layer] as number[])[expert] = ((this.totals[layer] as number[])[expert] as number) + n;
      });
    });
  }

  /** Increments since the last drain (non-zero ones only), then starts over: feed them to a Prometheus counter. */
  drain(): ExpertLoadSample[] {
    const out: ExpertLoadSample[] = [];
    this.pending.forEach((row, layer) => {
      row.forEach((tokens, expert) => {
        if (tokens > 0) out.push({ layer, expert, tokens });
      });
    });
    this.pending = this.zeros();
    return out;
  }

  /** Totals since the model was created: `[layer][expert]`. */
  snapshot(): number[][] {
    return this.totals.map((row) => [...row]);
  }

  private zeros(): number[][] {
    return Array.from({ length: this.numLayers }, () => new Array<number>(this.numExperts).fill(0));
  }
}
