// Logits processors, in the style of transformers.js / Hugging Face: each one rewrites one sequence's next-token
// logits row in place; a list applies them in order. Filtered tokens are set to −∞, so the sampler gives them
// probability exactly 0. Processors are stateless; the sequence's history comes in with each call.

/** What a processor may look at besides the logits. */
export interface LogitsContext {
  /** Every token of the sequence so far: prompt, then generated tokens. */
  readonly history: readonly number[];
}

export interface LogitsProcessor {
  /** Rewrites `logits` (one sequence's row, `[vocab]`) in place. */
  apply(logits: Float32Array, context: LogitsContext): void;
}

/**
 * CTRL-style repetition penalty (Keskar et al., 2019, as in Hugging Face): for every distinct token already in the
 * history, a positive logit is divided by the penalty and a negative one multiplied, so penalty > 1 always makes the
 * token less likely (and < 1 more likely).
 */
export class RepetitionPenaltyLogitsProcessor implements LogitsProcessor {
  constructor(readonly penalty: number) {}

  apply(logits: Float32Array, { history }: LogitsContext): void {
    if (this.penalty === 1) return;
    const seen = new Set<number>();
    for (const id of history) {
      if (id >= logits.length || seen.has(id)) continue;
      seen.add(id);
      const value = logits[id] as number;
      logits[id] = value > 0 ? value / this.penalty : value * this.penalty;
    }
  }
}

/** Divides logits by the temperature (> 0): < 1 sharpens the distribution, > 1 flattens it. */
export class TemperatureLogitsProcessor implements LogitsProcessor {
  constructor(readonly temperature: number) {
    if (!(temperature > 0)) throw new RangeError('TemperatureLogitsProcessor needs temperature > 0 (0 means greedy)');
  }

  apply(logits: Float32Array): void {
    if (this.temperature === 1) return;
    for (let i = 0; i < logits.length; i++) logits[i] = (logits[i] as number) / this.temperature;
  }
}

/** Keeps the k highest logits (all tokens tied with the k-th are kept too); k = 0 keeps everything. */
export class TopKLogitsProcessor implements LogitsProcessor {
  constructor(readonly k: number) {}

  apply(logits: Float32Array): void {
    if (this.k <= 0) return;
    const finite = finiteValues(logits);
    if (finite.length <= this.k) return;
    finite.sort(); // ascending; typed-array sort is numeric and native
    const threshold = finite[finite.length - this.k] as number;
    for (let i = 0; i < logits.length; i++) if ((logits[i] as number) < threshold) logits[i] = -Infinity;
  }
}

/**
 * Nucleus filtering (Holtzman et al., 2019): keeps the smallest set of most likely tokens whose probabilities sum to
 * ≥ p (at least one token; ties with the last kept probability are kept too).
 */
export class TopPLogitsProcessor implements LogitsProcessor {
  constructor(readonly p: number) {}

  apply(logits: Float32Array): void {
    if (this.p >= 1) return;
    const max = maxLogit(logits);
    if (max === -Infinity) return;
    // Unnormalised probabilities, rounded to float32 so the threshold compares exactly with the values below.
    const weights = new Float32Array(logits.length);
    let count = 0;
    let total = 0;
    for (let i = 0; i < logits.length; i++) {
      const w = Math.fround(Math.exp((logits[i] as number) - max));
      if (w > 0) {
        weights[count++] = w;
        total += w;
      }
    }
    const sorted = weights.subarray(0, count).sort();
    const target = this.p * total;
    let cumulative = 0;
    let threshold = sorted[count - 1] as number;
    for (let i = count - 1; i >= 0; i--) {
      threshold = sorted[i] as number;
      cumulative += threshold;
      if (cumulative >= target) break;
    }
    for (let i = 0; i < logits.length; i++) {
      if (Math.fround(Math.exp((logits[i] as number) - max)) < threshold) logits[i] = -Infinity;
    }
  }
}

/** Applies processors in list order. */
export class LogitsProcessorList implements LogitsProcessor {
  constructor(readonly processors: readonly LogitsProcessor[]) {}

  apply(logits: Float32Array, context: LogitsContext): void {
    for (const processor of this.processors) processor.apply(logits, context);
  }
}

/** The largest logit, ignoring NaN; −∞ when there is none. */
export function maxLogit(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  return max;
}

function finiteValues(logits: Float32Array): Float32Array {
  const out = new Float32Array(logits.length);
  let n = 0;
  for (let i = 0; i < logits.length; i++) if (Number.isFinite(logits[i])) out[n++] = logits[i] as number;
  return out.subarray(0, n);
}
