// Validation of a Generate/GenerateStream request into the one validated type the scheduler accepts (TGI's
// "validation" stage). Every rejection is INVALID_ARGUMENT naming the request field (`parameters.top_p`).
import { GenerationParamError, type GenerationParams, validateGenerationParams } from '@neuroforge/ml';
import { InferenceError } from './inference-error';

/** The request as it arrives (the shape of GenerateRequest / GenerateStreamRequest from the contracts). */
export interface GenerateInput {
  readonly requestId: string;
  readonly model: string;
  readonly prompt: string;
  readonly inputs: readonly { text?: string | null; image?: Buffer | null; audio?: Buffer | null }[];
  readonly parameters?: {
    maxNewTokens: number;
    temperature?: number | null;
    topK: number;
    topP?: number | null;
    repetitionPenalty?: number | null;
    stop: readonly string[];
    seed?: string | null;
  } | null;
}

/** Server-side defaults and limits (the `inference` config section). */
export interface RequestDefaults {
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly repetitionPenalty: number;
}

export interface ValidatedRequest {
  readonly text: string;
  readonly params: GenerationParams;
  /** Whether the same request always yields the same output (greedy, or a fixed seed): it may be cached. */
  readonly deterministic: boolean;
}

const MAX_STOP = 8;
const MAX_STOP_BYTES = 64;

export function validateGenerateInput(input: GenerateInput, defaults: RequestDefaults): ValidatedRequest {
  // 1. The prompt: `prompt` then the text chunks; other modalities need a multimodal model.
  let text = input.prompt;
  input.inputs.forEach((chunk, i) => {
    if (chunk.image != null) {
      throw InferenceError.invalidArgument(`inputs[${i}].image`, 'is not supported by this model (it reads text only)');
    }
    if (chunk.audio != null) {
      throw InferenceError.invalidArgument(`inputs[${i}].audio`, 'is not supported by this model (it reads text only)');
    }
    text += chunk.text ?? '';
  });

  // 2. Parameters: unset values take the server's defaults, then the engine's own rules apply.
  const p = input.parameters;
  const maxNewTokens = p?.maxNewTokens || defaults.maxNewTokens;
  if (maxNewTokens > defaults.maxNewTokens) {
    throw InferenceError.invalidArgument(
      'parameters.max_new_tokens',
      `must be ≤ ${defaults.maxNewTokens} (inference.max_new_tokens), got ${maxNewTokens}`,
    );
  }
  const stop = p?.stop ?? [];
  if (stop.length > MAX_STOP) {
    throw InferenceError.invalidArgument(
      'parameters.stop',
      `accepts at most ${MAX_STOP} sequences, got ${stop.length}`,
    );
  }
  stop.forEach((s, i) => {
    if (Buffer.byteLength(s, 'utf8') > MAX_STOP_BYTES) {
      throw InferenceError.invalidArgument(`parameters.stop[${i}]`, `must be at most ${MAX_STOP_BYTES} bytes`);
    }
  });
  let seed: bigint | undefined;
  if (p?.seed != null && p.seed !== '') {
    try {
      seed = BigInt(p.seed);
    } catch {
      throw InferenceError.invalidArgument('parameters.seed', `must be an unsigned 64-bit integer, got ${p.seed}`);
    }
  }
  try {
    const params = validateGenerationParams({
      maxNewTokens,
      temperature: p?.temperature ?? defaults.temperature,
      topK: p?.topK ?? defaults.topK,
      topP: p?.topP ?? defaults.topP,
      repetitionPenalty: p?.repetitionPenalty ?? defaults.repetitionPenalty,
      stop,
      ...(seed === undefined ? {} : { seed }),
    });
    return { text, params, deterministic: params.temperature === 0 || params.seed !== undefined };
  } catch (error) {
    if (error instanceof GenerationParamError) {
      throw InferenceError.invalidArgument(`parameters.${error.field}`, error.message.slice(error.field.length + 1));
    }
    throw error;
  }
}

/** Checks the tokenized prompt against the model's context: it must leave room for one generated token. */
export function checkPromptLength(promptTokens: number, maxSeqLen: number): void {
  if (promptTokens > maxSeqLen - 1) {
    throw InferenceError.invalidArgument(
      'prompt',
      `has ${promptTokens} tokens; this model accepts at most ${maxSeqLen - 1} prompt tokens (max_seq_len ${maxSeqLen})`,
    );
  }
}
