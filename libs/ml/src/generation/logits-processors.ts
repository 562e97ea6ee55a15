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
    const values = scratchF32(0, logits.length);
    let count = 0;
    for (let i = 0; i < logits.length; i++) if (Number.isFinite(logits[i])) values[count++] = logits[i] as number;
    if (count <= this.k) return;
    // Quickselect, O(V): a full sort of a 50k-entry row per token costs milliseconds.
    const threshold = selectKthSmallest(values, count, count - this.k);
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
    const n = logits.length;
    // Unnormalised probabilities, rounded to float32 so the threshold compares exactly with them; their float32
    // exponent buckets the mass so that only the few candidates that can be in the nucleus need sorting.
    const weights = scratchF32(0, n);
    const exponents = new Uint32Array(weights.buffer, weights.byteOffset, n);
    const massByExponent = MASS_BY_EXPONENT.fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const logit = logits[i] as number;
      const w = logit > -Infinity ? Math.fround(Math.exp(logit - max)) : 0; // NaN fails the test: weight 0
      weights[i] = w;
      if (w > 0) {
        total += w;
        massByExponent[((exponents[i] as number) >>> 23) & 0xff] += w;
      }
    }
    const target = this.p * total;
    // Lowest exponent whose bucket and all above hold the target mass, one bucket lower as a margin against
    // summation-order rounding: every token of the nucleus has its weight in these buckets.
    let floor = 255;
    let mass = 0;
    while (floor > 0 && mass < target) mass += massByExponent[--floor] as number;
    floor = Math.max(0, floor - 1);
    const candidates = scratchF32(1, n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if ((weights[i] as number) > 0 && (exponents[i] as number) >>> 23 >= floor)
        candidates[count++] = weights[i] as number;
    }
    const sorted = candidates.subarray(0, count).sort(); // ascending; typed-array sort is numeric and native
    let cumulative = 0;
    let threshold = sorted[count - 1] as number;
    for (let i = count - 1; i >= 0; i--) {
      threshold = sorted[i] as number;
      cumulative += threshold;
      if (cumulative >= target) break;
    }
    for (let i = 0; i < n; i++) if ((weights[i] as number) < threshold) logits[i] = -Infinity;
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

// Scratch rows shared by all processors: JavaScript runs one apply() at a time and none of them keeps a reference,
// so reusing two buffers avoids allocating 200 KB per token at a 50k vocabulary.
const SCRATCH: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
const MASS_BY_EXPONENT = new Float64Array(256);

function scratchF32(slot: 0 | 1, length: number): Float32Array {
  if ((SCRATCH[slot] as Float32Array).length < length) SCRATCH[slot] = new Float32Array(length);
  return (SCRATCH[slot] as Float32Array).subarray(0, length);
}

/** The value of rank `kth` (0-based, ascending) among `values[0 … count)`, reordering them (Hoare quickselect). */
export function selectKthSmallest(values: Float32Array, count: number, kth: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const a = values[lo] as number;
    const b = values[(lo + hi) >>> 1] as number;
    const c = values[hi] as number;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i++] = values[j] as number;
        values[j--] = t;
      }
    }
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return values[kth] as number;
  }
  return values[lo] as number;
}
