// RetNetModel: the engine's LanguageModel port (ADR 0001) on three ORT sessions built from one set of weights.
// Prefill runs the parallel form for short fresh prompts and the chunkwise form otherwise (long prompts, or
// continuing from a cached state); decode runs the recurrent form for a whole batch, one token per sequence.
import type { DecodeState, DecodeStepResult, LanguageModel, PrefillResult } from '../generation/language-model';
import { moeSettings } from '../moe/config';
import { ExpertLoadTally } from '../moe/stats';
import { EngineSession, float32, type HostTensor, int64, type Provider, type RuntimeOptions } from '../runtime/session';
import type { WeightMap } from '../weights/tensor';
import { loadModel } from './checkpoint';
import { type RetNetConfig, type RetNetDims, retNetDims } from './config';
import { buildRetNetGraph, prepareRetNet, stateInName, stateOutName } from './graph';

/** The recurrent state of every layer, stacked on the batch dim: each `[batch, H, d_k, d_v + 1]`. */
export interface RetNetState extends DecodeState {
  readonly layers: readonly Float32Array[];
}

export interface RetNetModelOptions extends RuntimeOptions {
  /** Chunk length for chunkwise prefill (default 256). */
  chunkSize?: number;
  /** Fresh prompts up to this many tokens use the parallel form (default 128; its cost grows with length²). */
  parallelPrefillMax?: number;
}

export type PrefillForm = 'parallel' | 'chunkwise';

export class RetNetModel implements LanguageModel<RetNetState> {
  readonly vocabSize: number;
  readonly maxSeqLen: number;
  readonly dims: RetNetDims;
  private readonly chunkSize: number;
  private readonly parallelPrefillMax: number;
  /** MoE models: tokens per layer and expert over every run (ADR 0002); serving drains it into its metrics. */
  readonly expertLoad: ExpertLoadTally | undefined;

  private constructor(
    readonly config: RetNetConfig,
    private readonly parallel: EngineSession,
    private readonly chunkwise: EngineSession,
    private readonly recurrent: EngineSession,
    opts: RetNetModelOptions,
  ) {
    this.dims = retNetDims(config);
    this.vocabSize = config.vocab_size;
    this.maxSeqLen = config.max_seq_len;
    this.chunkSize = opts.chunkSize ?? 256;
    this.parallelPrefillMax = opts.parallelPrefillMax ?? 128;
    const moe = moeSettings(config);
    this.expertLoad = moe ? new ExpertLoadTally(config.num_layers, moe.numExperts) : undefined;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) throw new Error('chunkSize must be an integer ≥ 1');
  }

  /** Builds the three graphs from named weights (ADR layout) and opens a session for each. */
  static async create(config: RetNetConfig, weights: WeightMap, opts: RetNetModelOptions = {}): Promise<RetNetModel> {
    const prepared = prepareRetNet(config, weights);
    // Sessions are opened one after the other: each holds its own copy of the weights while loading.
    const parallel = await EngineSession.create(buildRetNetGraph(prepared, 'parallel', { logits: 'last' }), opts);
    const quiet = { ...opts, log: () => {} }; // one log line per model is enough
    const chunkwise = await EngineSession.create(buildRetNetGraph(prepared, 'chunkwise', { logits: 'last' }), quiet);
    const recurrent = await EngineSession.create(buildRetNetGraph(prepared, 'recurrent'), quiet);
    return new RetNetModel(config, parallel, chunkwise, recurrent, opts);
  }

  /** Loads a checked model folder (config.json + model.safetensors + SHA256SUMS) and builds its graphs. */
  static async load(dir: string, opts: RetNetModelOptions = {}): Promise<RetNetModel> {
    const { config, weights } = await loadModel(dir);
    return RetNetModel.create(config, weights, opts);
  }

  /** The execution provider the sessions run on. */
  get provider(): Provider {
    return this.recurrent.provider;
  }

  /** Bytes of recurrent state one sequence carries, whatever its length. */
  get stateBytesPerSequence(): number {
    const { L, H, dk, dv } = this.dims;
    return L * H * dk * (dv + 1) * 4;
  }

  /** A zero state (the state before any token) for `batchSize` sequences. */
  emptyState(batchSize = 1): RetNetState {
    const per = this.layerStateSize();
    return { batchSize, layers: Array.from({ length: this.dims.L }, () => new Float32Array(batchSize * per)) };
  }

  async prefill(
    tokens: readonly number[],
    from?: { state: RetNetState; position: number },
  ): Promise<PrefillResult<RetNetState>> {
    const form: PrefillForm = !from && tokens.length <= this.parallelPrefillMax ? 'parallel' : 'chunkwise';
    return this.prefillWith(form, tokens, from);
  }

  /** Prefill with an explicit form (the parallel form cannot continue from a state). */
  async prefillWith(
    form: PrefillForm,
    tokens: readonly number[],
    from?: { state: RetNetState; position: number },
  ): Promise<PrefillResult<RetNetState>> {
    const start = from?.position ?? 0;
    this.checkTokens(tokens, start + tokens.length);
    if (tokens.length === 0) throw new Error('prefill needs at least one token');
    if (from && from.state.batchSize !== 1) throw new Error('prefill continues a batch-1 state; use splitState first');
    if (form === 'parallel') {
      if (from) throw new Error('the parallel form starts at position 0; continue from a state with chunkwise');
      const out = await this.parallel.run({ tokens: int64(tokens, [1, tokens.length]) }); // logits [1, V]
      this.expertLoad?.record(out);
      return { logits: floatOut(out, 'logits'), state: this.stateFrom(out, 1), position: tokens.length };
    }
    // Chunkwise: the state carries everything before the chunk; the last chunk may be shorter.
    let state = from?.state ?? this.emptyState(1);
    let logits: Float32Array | undefined;
    for (let offset = 0; offset < tokens.length; offset += this.chunkSize) {
      const chunk = tokens.slice(offset, offset + this.chunkSize);
      const out = await this.chunkwise.run({
        tokens: int64(chunk, [1, chunk.length]), // [1, C]
        start: int64([start + offset], [1]), // [1]
        ...this.stateFeeds(state),
      });
      this.expertLoad?.record(out);
      logits = floatOut(out, 'logits'); // [1, V]
      state = this.stateFrom(out, 1);
    }
    return { logits: logits as Float32Array, state, position: start + tokens.length };
  }

  async decodeStep(
    tokens: readonly number[],
    positions: readonly number[],
    state: RetNetState,
  ): Promise<DecodeStepResult<RetNetState>> {
    const B = tokens.length;
    if (positions.length !== B || state.batchSize !== B) {
      throw new Error(`decodeStep: ${B} tokens, ${positions.length} positions, state batch ${state.batchSize}`);
    }
    this.checkTokens(tokens, Math.max(...positions) + 1);
    if (positions.some((p) => !Number.isInteger(p) || p < 0)) throw new Error('decodeStep: positions must be ≥ 0');
    const out = await this.recurrent.run({
      tokens: int64(tokens, [B]), // [B]
      positions: int64(positions, [B]), // [B]
      ...this.stateFeeds(state),
    });
    this.expertLoad?.record(out);
    return { logits: floatOut(out, 'logits'), state: this.stateFrom(out, B) }; // logits [B, V]
  }

  stackStates(states: readonly RetNetState[]): RetNetState {
    const per = this.layerStateSize();
    const batchSize = states.reduce((n, s) => n + s.batchSize, 0);
    const layers = Array.from({ length: this.dims.L }, (_, l) => {
      const out = new Float32Array(batchSize * per);
      let offset = 0;
      for (const s of states) {
        out.set(s.layers[l] as Float32Array, offset);
        offset += s.batchSize * per;
      }
      return out;
    });
    return { batchSize, layers };
  }

  splitState(state: RetNetState): RetNetState[] {
    const per = this.layerStateSize();
    return Array.from({ length: state.batchSize }, (_, b) => ({
      batchSize: 1,
      layers: state.layers.map((layer) => layer.slice(b * per, (b + 1) * per)),
    }));
  }

  async dispose(): Promise<void> {
    await Promise.all([this.parallel.dispose(), this.chunkwise.dispose(), this.recurrent.dispose()]);
  }

  private layerStateSize(): number {
    const { H, dk, dv } = this.dims;
    return H * dk * (dv + 1);
  }

  private stateFeeds(state: RetNetState): Record<string, HostTensor> {
    const { H, dk, dv } = this.dims;
    const feeds: Record<string, HostTensor> = {};
    state.layers.forEach((layer, i) => {
      feeds[stateInName(i)] = float32(layer, [state.batchSize, H, dk, dv + 1]);
    });
    return feeds;
  }

  private stateFrom(out: Record<string, HostTensor>, batchSize: number): RetNetState {
    return { batchSize, layers: Array.from({ length: this.dims.L }, (_, i) => floatOut(out, stateOutName(i))) };
  }

  private checkTokens(tokens: readonly number[], endPosition: number): void {
    const bad = tokens.find((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabSize);
    if (bad !== undefined) throw new Error(`token id ${bad} is outside the vocabulary [0, ${this.vocabSize})`);
    if (endPosition > this.maxSeqLen) {
      throw new Error(`context of ${endPosition} tokens exceeds max_seq_len ${this.maxSeqLen} of this model`);
    }
  }
}

function floatOut(out: Record<string, HostTensor>, name: string): Float32Array {
  const t = out[name];
  if (t?.type !== 'float32') throw new Error(`graph output '${name}' missing or not float32`);
  return t.data;
}
