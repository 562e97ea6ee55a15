// The engine's model port (ADR 0001). Generation and serving depend on this interface only; the RetNet runtime
// (and any later architecture) implements it. Keeping the port this small is what lets the serving layer batch
// sequences of different lengths into one recurrent step.

/**
 * Opaque per-model decoding state (for RetNet: the recurrent retention state Σ of every layer, `[batch, H, d_k,
 * d_v + 1]`). Generation never looks inside it; it only carries it between calls and asks the model to stack or
 * split it along the batch dimension.
 */
export interface DecodeState {
  /** Number of sequences stacked in this state (the leading batch dimension of every tensor it holds). */
  readonly batchSize: number;
}

/** Output of {@link LanguageModel.prefill}: logits of the last prompt position and the state after the prompt. */
export interface PrefillResult<S extends DecodeState> {
  /** Logits of the last prompt token, `[1, vocab]` row-major (length = vocabSize). */
  readonly logits: Float32Array;
  /** Batch-1 state after the prompt, ready for {@link LanguageModel.decodeStep}. */
  readonly state: S;
  /** Absolute position of the next token to be decoded (= previous position + number of prompt tokens). */
  readonly position: number;
}

/** Output of {@link LanguageModel.decodeStep}. */
export interface DecodeStepResult<S extends DecodeState> {
  /** Next-token logits, `[batch, vocab]` row-major: row b belongs to `tokens[b]`. */
  readonly logits: Float32Array;
  /** State after consuming the batch's tokens, same batch layout as the input state. */
  readonly state: S;
}

/** A causal language model as the generation loop and the serving layer see it. */
export interface LanguageModel<S extends DecodeState = DecodeState> {
  /** Number of logits per position (the model's `vocab_size`; may exceed the tokenizer's vocabulary). */
  readonly vocabSize: number;
  /** Longest context (prompt + generated tokens) the model accepts. */
  readonly maxSeqLen: number;
  /**
   * Runs the prompt tokens of ONE sequence (chunkwise/parallel form), optionally continuing from a cached state
   * at `from.position` (prefix caching / multi-turn continuation).
   */
  prefill(tokens: readonly number[], from?: { state: S; position: number }): Promise<PrefillResult<S>>;
  /**
   * One recurrent step for a batch: `tokens[b]` sits at absolute position `positions[b]`; `state` holds all
   * sequences stacked on the batch dimension (positions may differ across the batch).
   */
  decodeStep(tokens: readonly number[], positions: readonly number[], state: S): Promise<DecodeStepResult<S>>;
  /** Stacks batch-1 states into one batch state, in the given order. */
  stackStates(states: readonly S[]): S;
  /** Splits a batch state into batch-1 states, in batch order (inverse of {@link stackStates}). */
  splitState(state: S): S[];
  /** Releases the model's sessions and buffers; the model must not be used afterwards. */
  dispose(): Promise<void>;
}
