// One sequence's generation state machine: token choice, stop/eos/length decisions and streamed text. generate()
// drives one; the serving layer drives many through one batched decodeStep. Everything a sequence outputs is decided
// here, from its own logits row, so batching cannot change it.
import { StreamingDetokenizer } from '../tokenizers/streaming-detokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { GenerationParams } from './params';
import { randomSeed, Xoshiro128StarStar } from './prng';
import { StopSequenceMatcher } from './stop-sequences';
import { TokenSelector } from './token-selector';

/** Why a sequence ended: token budget or context full, stop string, end-of-sequence token, or cancelled. */
export type FinishReason = 'length' | 'stop' | 'eos' | 'cancelled';

/** The outcome of one step: the token chosen, the text it released, and whether the sequence is done. */
export interface SequenceStep {
  readonly tokenId: number;
  /** Text delta for streaming (possibly ''); all deltas concatenated equal the final text. */
  readonly text: string;
  /** Set on the step that ends the sequence; no further steps may be taken. */
  readonly finishReason?: FinishReason;
}

export interface GenerationSequenceOptions {
  readonly tokenizer: Tokenizer;
  readonly params: GenerationParams;
  /** Prompt token ids (already in the model's state); they count for the repetition penalty and the context. */
  readonly promptTokens: readonly number[];
  /** The model's context length: the sequence ends with 'length' when prompt + output reaches it. */
  readonly maxSeqLen?: number;
}

export class GenerationSequence {
  /** The seed this sequence samples with (drawn at random when the params gave none), for replaying it. */
  readonly seed: bigint;
  readonly promptTokenCount: number;
  private readonly history: number[];
  private readonly generated: number[] = [];
  private readonly selector: TokenSelector;
  private readonly detokenizer: StreamingDetokenizer;
  private readonly stops: StopSequenceMatcher;
  private readonly tokenizer: Tokenizer;
  private readonly params: GenerationParams;
  private readonly maxSeqLen: number;
  private output = '';
  private finish: FinishReason | undefined;
  private matchedStop: string | undefined;

  constructor(options: GenerationSequenceOptions) {
    this.tokenizer = options.tokenizer;
    this.params = options.params;
    this.maxSeqLen = options.maxSeqLen ?? Number.POSITIVE_INFINITY;
    this.history = [...options.promptTokens];
    this.promptTokenCount = options.promptTokens.length;
    this.seed = options.params.seed ?? randomSeed();
    this.selector = new TokenSelector(options.params, options.tokenizer.vocabSize, new Xoshiro128StarStar(this.seed));
    this.detokenizer = new StreamingDetokenizer(options.tokenizer);
    this.stops = new StopSequenceMatcher(options.params.stop);
  }

  /** Generated token ids so far (the end-of-sequence token included when it ended the sequence). */
  get tokenIds(): readonly number[] {
    return this.generated;
  }

  /** Text released so far; once finished, the final output. */
  get text(): string {
    return this.output;
  }

  get finishReason(): FinishReason | undefined {
    return this.finish;
  }

  /** The stop string that ended the sequence, when finishReason is 'stop'. */
  get stopSequence(): string | undefined {
    return this.matchedStop;
  }

  get finished(): boolean {
    return this.finish !== undefined;
  }

  /** The token to feed to the model's next decodeStep (the last one chosen). */
  get lastTokenId(): number {
    const last = this.generated.at(-1);
    if (last === undefined) throw new Error('no token generated yet: call step() with the prefill logits first');
    return last;
  }

  /** Chooses the next token from this sequence's logits row (`[vocab]`, not modified) and advances. */
  step(logitsRow: Float32Array): SequenceStep {
    if (this.finish !== undefined) throw new Error(`sequence already finished (${this.finish})`);
    const tokenId = this.selector.next(logitsRow, this.history);
    this.history.push(tokenId);
    this.generated.push(tokenId);

    if (tokenId === this.tokenizer.specialTokens.eos) return this.end(tokenId, '', 'eos');
    const scan = this.stops.push(this.detokenizer.push(tokenId));
    if (scan.stop !== undefined) {
      this.matchedStop = scan.stop;
      this.finish = 'stop';
      this.output += scan.text;
      return { tokenId, text: scan.text, finishReason: 'stop' };
    }
    if (this.generated.length >= this.params.maxNewTokens || this.history.length >= this.maxSeqLen) {
      return this.end(tokenId, scan.text, 'length');
    }
    this.output += scan.text;
    return { tokenId, text: scan.text };
  }

  /**
   * Ends the sequence before its next step. Text held back (an unfinished character, or a possible start of a stop
   * string) is dropped, so the output is exactly what was streamed.
   */
  cancel(): void {
    this.finish ??= 'cancelled';
  }

  private end(tokenId: number, text: string, reason: FinishReason): SequenceStep {
    // The stream is over: an unfinished character becomes U+FFFD (it may still complete a stop string) and text
    // held back as a possible stop prefix is released.
    const tail = this.stops.push(this.detokenizer.flush());
    let delta = text + tail.text;
    if (tail.stop !== undefined) {
      this.matchedStop = tail.stop;
      reason = 'stop';
    } else {
      delta += this.stops.flush();
    }
    this.output += delta;
    this.finish = reason;
    return { tokenId, text: delta, finishReason: reason };
  }
}
