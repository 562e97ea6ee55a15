// Generation parameters: defaults and validation. Errors name the field by its wire name (`top_p`, as in the
// REST/OpenAI-compatible APIs and the protos) so the gateway can return them to the user unchanged.

/** Generation parameters as callers pass them; every field is optional. */
export interface GenerationParamsInput {
  /** Most tokens to generate (`max_new_tokens`, ≥ 1). Default 128. */
  readonly maxNewTokens?: number;
  /** Softmax temperature (≥ 0); 0 means greedy decoding. Default 1. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (integer ≥ 0); 0 disables. Default 0. */
  readonly topK?: number;
  /** Nucleus sampling: keep the most likely tokens whose probabilities sum to ≥ top_p (0 < top_p ≤ 1). Default 1. */
  readonly topP?: number;
  /** CTRL-style penalty (> 0) on tokens already in prompt + output; 1 disables. Default 1. */
  readonly repetitionPenalty?: number;
  /** Stop strings (non-empty); the output ends before the first occurrence. Default none. */
  readonly stop?: readonly string[];
  /** PRNG seed (integer in 0 … 2^64 − 1); same seed, model, prompt and params ⇒ same tokens. Default: random. */
  readonly seed?: number | bigint;
}

/** Validated parameters with defaults filled in (seed stays optional: the sequence draws one if absent). */
export interface GenerationParams {
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly repetitionPenalty: number;
  readonly stop: readonly string[];
  readonly seed?: bigint;
}

export const DEFAULT_GENERATION_PARAMS = {
  maxNewTokens: 128,
  temperature: 1,
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  stop: [] as readonly string[],
} as const;

/** A parameter outside its allowed range; `field` is the wire name (`top_p`). */
export class GenerationParamError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'GenerationParamError';
  }
}

const MAX_STOP_SEQUENCES = 16;
const UINT64_MAX = (1n << 64n) - 1n;

export function validateGenerationParams(input: GenerationParamsInput = {}): GenerationParams {
  const maxNewTokens = input.maxNewTokens ?? DEFAULT_GENERATION_PARAMS.maxNewTokens;
  if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new GenerationParamError('max_new_tokens', `must be an integer ≥ 1 (got ${maxNewTokens})`);
  }
  const temperature = input.temperature ?? DEFAULT_GENERATION_PARAMS.temperature;
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new GenerationParamError('temperature', `must be a finite number ≥ 0; use 0 for greedy (got ${temperature})`);
  }
  const topK = input.topK ?? DEFAULT_GENERATION_PARAMS.topK;
  if (!Number.isSafeInteger(topK) || topK < 0) {
    throw new GenerationParamError('top_k', `must be an integer ≥ 0; use 0 to disable (got ${topK})`);
  }
  const topP = input.topP ?? DEFAULT_GENERATION_PARAMS.topP;
  if (!Number.isFinite(topP) || topP <= 0 || topP > 1) {
    throw new GenerationParamError('top_p', `must be > 0 and ≤ 1; use 1 to disable (got ${topP})`);
  }
  const repetitionPenalty = input.repetitionPenalty ?? DEFAULT_GENERATION_PARAMS.repetitionPenalty;
  if (!Number.isFinite(repetitionPenalty) || repetitionPenalty <= 0) {
    throw new GenerationParamError(
      'repetition_penalty',
      `must be a finite number > 0; use 1 to disable (got ${repetitionPenalty})`,
    );
  }
  const stop = input.stop ?? DEFAULT_GENERATION_PARAMS.stop;
  if (stop.length > MAX_STOP_SEQUENCES) {
    throw new GenerationParamError('stop', `accepts at most ${MAX_STOP_SEQUENCES} sequences (got ${stop.length})`);
  }
  stop.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0)
      throw new GenerationParamError(`stop[${i}]`, 'must be a non-empty string');
  });
  return {
    maxNewTokens,
    temperature,
    topK,
    topP,
    repetitionPenalty,
    stop: [...stop],
    ...(input.seed === undefined ? {} : { seed: validateSeed(input.seed) }),
  };
}

function validateSeed(seed: number | bigint): bigint {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new GenerationParamError('seed', `must be an integer in 0 … 2^64 − 1 (got ${seed})`);
  }
  const value = BigInt(seed);
  if (value < 0n || value > UINT64_MAX) {
    throw new GenerationParamError('seed', `must be an integer in 0 … 2^64 − 1 (got ${seed})`);
  }
  return value;
}
