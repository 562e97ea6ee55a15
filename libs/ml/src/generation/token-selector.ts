// The per-step decision for ONE sequence: given its logits row, its history and its PRNG, apply the processors and
// pick the next token. generate() and the serving layer's batched loop both call this and nothing else, which is
// why a sequence produces the same tokens alone or inside any batch.
import {
  type LogitsProcessor,
  LogitsProcessorList,
  maxLogit,
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsProcessor,
  TopKLogitsProcessor,
  TopPLogitsProcessor,
} from './logits-processors';
import type { GenerationParams } from './params';
import type { Xoshiro128StarStar } from './prng';

type SamplingParams = Pick<GenerationParams, 'temperature' | 'topK' | 'topP' | 'repetitionPenalty'>;

/**
 * The processor chain for these parameters, in Hugging Face's order: repetition penalty (on raw logits), then
 * temperature, top-k, top-p. Greedy decoding (temperature 0) keeps only the repetition penalty: the argmax does not
 * depend on temperature, top-k or top-p.
 */
export function buildLogitsProcessors(params: SamplingParams): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (params.repetitionPenalty !== 1) list.push(new RepetitionPenaltyLogitsProcessor(params.repetitionPenalty));
  if (params.temperature === 0) return list;
  if (params.temperature !== 1) list.push(new TemperatureLogitsProcessor(params.temperature));
  if (params.topK > 0) list.push(new TopKLogitsProcessor(params.topK));
  if (params.topP < 1) list.push(new TopPLogitsProcessor(params.topP));
  return list;
}

/** Index of the largest logit (the lowest index on ties). Throws when no logit is a number above −∞. */
export function argmax(logits: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if ((logits[i] as number) > bestValue) {
      bestValue = logits[i] as number;
      best = i;
    }
  }
  if (best < 0) throw new Error('cannot pick a token: every logit is −∞ or NaN (check the model output)');
  return best;
}

/** Draws a token from softmax(logits) with one uniform number `u` in [0, 1); −∞ and NaN logits have probability 0. */
export function sampleFromLogits(logits: Float32Array, u: number): number {
  const max = maxLogit(logits);
  if (max === -Infinity) throw new Error('cannot sample a token: every logit is −∞ or NaN (check the model output)');
  if (weights.length < logits.length) weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const logit = logits[i] as number;
    const w = logit > -Infinity ? Math.exp(logit - max) : 0; // NaN fails the test: weight 0
    weights[i] = w;
    total += w;
  }
  const target = u * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < logits.length; i++) {
    const w = weights[i] as number;
    if (w === 0) continue;
    cumulative += w;
    last = i;
    if (target < cumulative) return i;
  }
  return last; // rounding left target ≥ the final sum: the last token with non-zero probability
}

// Scratch for sampleFromLogits (synchronous, so one buffer serves every sequence).
let weights = new Float64Array(0);

/** Picks next tokens for one sequence: owns its processor chain, PRNG and a scratch row. */
export class TokenSelector {
  private readonly processors: LogitsProcessorList;
  private readonly greedy: boolean;
  private readonly scratch: Float32Array;

  /**
   * @param vocabSize tokens that may be picked (the tokenizer's vocabulary); logits beyond it (a model vocabulary
   *   padded for efficiency) are ignored.
   */
  constructor(
    params: SamplingParams,
    readonly vocabSize: number,
    private readonly rng: Xoshiro128StarStar,
  ) {
    this.processors = new LogitsProcessorList(buildLogitsProcessors(params));
    this.greedy = params.temperature === 0;
    this.scratch = new Float32Array(vocabSize);
  }

  /** Next token from this sequence's logits row (not modified) and its history (prompt + generated so far). */
  next(logitsRow: Float32Array, history: readonly number[]): number {
    if (logitsRow.length < this.vocabSize) {
      throw new RangeError(`logits row has ${logitsRow.length} entries, fewer than the ${this.vocabSize} token ids`);
    }
    this.scratch.set(logitsRow.subarray(0, this.vocabSize));
    this.processors.apply(this.scratch, { history });
    return this.greedy ? argmax(this.scratch) : sampleFromLogits(this.scratch, this.rng.nextFloat());
  }
}
