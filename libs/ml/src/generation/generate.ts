// Single-sequence generation: prompt → prefill → recurrent decode steps until a finish reason. Serving runs the same
// GenerationSequence per request inside its batched loop; this function is the reference that loop must match.
import type { Tokenizer } from '../tokenizers/tokenizer';
import { type FinishReason, GenerationSequence } from './generation-sequence';
import type { DecodeState, LanguageModel } from './language-model';
import { type GenerationParamsInput, validateGenerationParams } from './params';

/** Streamed per generated token. */
export interface TokenEvent {
  readonly tokenId: number;
  /** Text this token released (may be '' while a character or possible stop string is incomplete). */
  readonly text: string;
  /** 0-based index of the token among the generated ones. */
  readonly index: number;
}

export interface GenerateOptions {
  /** Called after each token, before the next step; awaited, so a slow consumer applies backpressure. */
  readonly onToken?: (event: TokenEvent) => void | Promise<void>;
  /** Aborting ends generation before its next model call, with finish reason 'cancelled'. */
  readonly signal?: AbortSignal;
}

export interface GenerationTimings {
  /** Model prefill of the prompt. */
  readonly prefillMs: number;
  /** From the first token to the end (decode steps, sampling, callbacks). */
  readonly decodeMs: number;
  /** From the call to the first token (tokenization + prefill + first sampling). */
  readonly timeToFirstTokenMs: number;
  readonly totalMs: number;
}

export interface GenerationResult {
  readonly text: string;
  /** Generated token ids (with the end-of-sequence token when it ended generation). */
  readonly tokenIds: readonly number[];
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly finishReason: FinishReason;
  /** The stop string that ended generation, when finishReason is 'stop'. */
  readonly stopSequence?: string;
  /** The seed used (the given one, or the one drawn): pass it back to reproduce this output. */
  readonly seed: bigint;
  readonly timings: GenerationTimings;
}

/**
 * Generates a continuation of `prompt` (text, or token ids of `tokenizer`). An empty prompt starts from the
 * tokenizer's BOS token. Throws GenerationParamError for invalid parameters and RangeError for a prompt that does not
 * fit the model.
 */
export async function generate<S extends DecodeState>(
  model: LanguageModel<S>,
  tokenizer: Tokenizer,
  prompt: string | readonly number[],
  params: GenerationParamsInput = {},
  options: GenerateOptions = {},
): Promise<GenerationResult> {
  const started = performance.now();
  // 1. Validate parameters and prompt against tokenizer and model.
  const validated = validateGenerationParams(params);
  if (model.vocabSize < tokenizer.vocabSize) {
    throw new RangeError(
      `model vocab_size ${model.vocabSize} is smaller than the ${tokenizer.id} tokenizer's ${tokenizer.vocabSize} ids`,
    );
  }
  const promptTokens = typeof prompt === 'string' ? tokenizer.encode(prompt) : [...prompt];
  for (const id of promptTokens) tokenizer.tokenBytes(id); // RangeError naming an unknown id
  if (promptTokens.length === 0) promptTokens.push(tokenizer.specialTokens.bos);
  if (promptTokens.length >= model.maxSeqLen) {
    throw new RangeError(
      `prompt has ${promptTokens.length} tokens; the model's context holds ${model.maxSeqLen}, so at most ` +
        `${model.maxSeqLen - 1} prompt tokens leave room to generate`,
    );
  }
  const sequence = new GenerationSequence({ tokenizer, params: validated, promptTokens, maxSeqLen: model.maxSeqLen });
  const result = (prefillMs: number, firstTokenAt: number): GenerationResult => {
    const ended = performance.now();
    return {
      text: sequence.text,
      tokenIds: [...sequence.tokenIds],
      promptTokens: promptTokens.length,
      completionTokens: sequence.tokenIds.length,
      finishReason: sequence.finishReason ?? 'cancelled',
      ...(sequence.stopSequence === undefined ? {} : { stopSequence: sequence.stopSequence }),
      seed: sequence.seed,
      timings: {
        prefillMs,
        decodeMs: Number.isNaN(firstTokenAt) ? 0 : ended - firstTokenAt,
        timeToFirstTokenMs: Number.isNaN(firstTokenAt) ? 0 : firstTokenAt - started,
        totalMs: ended - started,
      },
    };
  };

  // 2. Prefill the prompt; its last logits give the first token.
  if (options.signal?.aborted) {
    sequence.cancel();
    return result(0, Number.NaN);
  }
  const prefillStart = performance.now();
  const prefill = await model.prefill(promptTokens);
  const prefillMs = performance.now() - prefillStart;
  let state = prefill.state;
  let position = prefill.position;
  let step = sequence.step(prefill.logits.subarray(0, model.vocabSize));
  const firstTokenAt = performance.now();
  await options.onToken?.({ tokenId: step.tokenId, text: step.text, index: 0 });

  // 3. One recurrent step per token until the sequence finishes or the caller aborts.
  while (!sequence.finished) {
    if (options.signal?.aborted) {
      sequence.cancel();
      break;
    }
    const decoded = await model.decodeStep([step.tokenId], [position], state);
    state = decoded.state;
    position += 1;
    step = sequence.step(decoded.logits.subarray(0, model.vocabSize));
    await options.onToken?.({ tokenId: step.tokenId, text: step.text, index: sequence.tokenIds.length - 1 });
  }
  return result(prefillMs, firstTokenAt);
}
