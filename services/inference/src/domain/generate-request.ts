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

/** A modality a request chunk may carry besides text. */
export type MediaKind = 'image' | 'audio';

/** One image or audio chunk of a request, named by its field (`inputs[1].image`) for errors. */
export interface MediaChunk {
  readonly kind: MediaKind;
  readonly field: string;
  readonly data: Uint8Array;
}

export interface ValidatedRequest {
  readonly text: string;
  /** Image / audio chunks in request order; whether the model takes them is checked once it is known. */
  readonly media: readonly MediaChunk[];
  readonly params: GenerationParams;
  /** Whether the same request always yields the same output (greedy, or a fixed seed): it may be cached. */
  readonly deterministic: boolean;
}

const MAX_STOP = 8;
const MAX_STOP_BYTES = 64;

export function validateGenerateInput(input: GenerateInput, defaults: RequestDefaults): ValidatedRequest {
  // 1. The prompt: `prompt` then the text chunks; image and audio chunks condition the whole text (a multimodal
  // model's media prefix), wherever they appear among the chunks.
  let text = input.prompt;
  const media: MediaChunk[] = [];
  input.inputs.forEach((chunk, i) => {
    if (chunk.image != null) media.push({ kind: 'image', field: `inputs[${i}].image`, data: chunk.image });
    else if (chunk.audio != null) media.push({ kind: 'audio', field: `inputs[${i}].audio`, data: chunk.audio });
    else text += chunk.text ?? '';
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
    return { text, media, params, deterministic: params.temperature === 0 || params.seed !== undefined };
  } catch (error) {
    if (error instanceof GenerationParamError) {
      throw InferenceError.invalidArgument(`parameters.${error.field}`, error.message.slice(error.field.length + 1));
    }
    throw error;
  }
}

/**
 * Checks the tokenized prompt against the model's context: it must leave room for one generated token after the
 * positions a media prefix takes (`prefixPositions`, 0 without media).
 */
export function checkPromptLength(promptTokens: number, maxSeqLen: number, prefixPositions = 0): void {
  const room = maxSeqLen - prefixPositions - 1;
  if (promptTokens > room) {
    const media = prefixPositions > 0 ? ` after the media's ${prefixPositions} positions` : '';
    throw InferenceError.invalidArgument(
      'prompt',
      `has ${promptTokens} tokens; this model accepts at most ${room} prompt tokens${media} (max_seq_len ${maxSeqLen})`,
    );
  }
}

const DESCRIBE_ACCEPTS: Record<string, string> = {
  '': 'it reads text only',
  image: 'it takes text and images',
  audio: 'it takes text and audio',
  'image+audio': 'it takes text, images and audio',
};

/**
 * Checks a request's media against what the model takes: a kind it does not take, or a second chunk of a kind
 * (a model takes one image and one audio clip), is INVALID_ARGUMENT naming the chunk.
 */
export function checkMediaSupported(media: readonly MediaChunk[], accepts: readonly MediaKind[]): void {
  const seen = new Map<MediaKind, string>();
  for (const chunk of media) {
    if (!accepts.includes(chunk.kind)) {
      const key = (['image', 'audio'] as const).filter((k) => accepts.includes(k)).join('+');
      throw InferenceError.invalidArgument(chunk.field, `is not supported by this model (${DESCRIBE_ACCEPTS[key]})`);
    }
    const first = seen.get(chunk.kind);
    if (first !== undefined) {
      throw InferenceError.invalidArgument(chunk.field, `is a second ${chunk.kind}; this model takes one (${first})`);
    }
    seen.set(chunk.kind, chunk.field);
  }
}
