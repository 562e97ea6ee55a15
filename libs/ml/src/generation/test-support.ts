// Shared pieces of the continuous-batching specs: the loop a serving layer runs over any LanguageModel, written once
// so the fake-model and real-RetNet specs check the same loop against generate().
import type { Tokenizer } from '../tokenizers/tokenizer';
import { GenerationSequence } from './generation-sequence';
import type { DecodeState, LanguageModel } from './language-model';
import { type GenerationParamsInput, validateGenerationParams } from './params';

/** One request in flight: its sequence, its batch-1 state and the position of its next token. */
export interface LiveSequence<S extends DecodeState> {
  sequence: GenerationSequence;
  state: S;
  position: number;
}

/** Admits a request: prefills its prompt alone and takes the first token from the prefill logits. */
export async function admitSequence<S extends DecodeState>(
  model: LanguageModel<S>,
  tokenizer: Tokenizer,
  prompt: string,
  params: GenerationParamsInput,
): Promise<LiveSequence<S>> {
  const promptTokens = tokenizer.encode(prompt);
  const sequence = new GenerationSequence({
    tokenizer,
    params: validateGenerationParams(params),
    promptTokens,
    maxSeqLen: model.maxSeqLen,
  });
  const prefill = await model.prefill(promptTokens);
  sequence.step(prefill.logits);
  return { sequence, state: prefill.state, position: prefill.position };
}

/** One recurrent step for every active sequence, each at its own position; returns those still unfinished. */
export async function decodeActive<S extends DecodeState>(
  model: LanguageModel<S>,
  active: readonly LiveSequence<S>[],
): Promise<LiveSequence<S>[]> {
  const out = await model.decodeStep(
    active.map((s) => s.sequence.lastTokenId),
    active.map((s) => s.position),
    model.stackStates(active.map((s) => s.state)),
  );
  const states = model.splitState(out.state);
  active.forEach((s, b) => {
    s.state = states[b] as S;
    s.position += 1;
    s.sequence.step(out.logits.subarray(b * model.vocabSize, (b + 1) * model.vocabSize));
  });
  return active.filter((s) => !s.sequence.finished);
}
