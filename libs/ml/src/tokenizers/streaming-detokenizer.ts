// Turns a stream of token ids into text deltas. A multi-byte UTF-8 character may be split across tokens (byte-level
// models do this for every non-ASCII character, GPT-2 for rare ones); the streaming TextDecoder keeps the incomplete
// tail until the next bytes complete it, so no U+FFFD appears mid-stream and the concatenated deltas equal
// `tokenizer.decode(allIds)` exactly.
import type { Tokenizer } from './tokenizer';

export interface StreamingDetokenizerOptions {
  /** Leave special tokens out of the text (default true: generated text carries no `<|eos|>`). */
  readonly skipSpecialTokens?: boolean;
}

export class StreamingDetokenizer {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly skipSpecialTokens: boolean;

  constructor(
    private readonly tokenizer: Tokenizer,
    options: StreamingDetokenizerOptions = {},
  ) {
    this.skipSpecialTokens = options.skipSpecialTokens ?? true;
  }

  /** Adds one token; returns the text that became complete (possibly ''). */
  push(id: number): string {
    if (this.skipSpecialTokens && this.tokenizer.isSpecialToken(id)) {
      this.tokenizer.tokenBytes(id); // still rejects ids outside the vocabulary
      return '';
    }
    return this.decoder.decode(this.tokenizer.tokenBytes(id), { stream: true });
  }

  /** Ends the stream: bytes of an unfinished character come out as U+FFFD (as `decode` would render them). */
  flush(): string {
    return this.decoder.decode();
  }
}
