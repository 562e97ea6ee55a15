// GPT-2 byte-level BPE (vocab 50257, `<|endoftext|>` = 50256), encoding through the maintained js-tiktoken package.
import { Tiktoken } from 'js-tiktoken/lite';
import { GPT2_ENDOFTEXT, GPT2_ENDOFTEXT_ID, GPT2_VOCAB_SIZE, type Gpt2Ranks, loadGpt2Ranks } from './gpt2-ranks';
import { ByteTableTokenizer, type EncodeOptions } from './tokenizer';

export const GPT2_TOKENIZER_ID = 'gpt2';

export class Gpt2Tokenizer extends ByteTableTokenizer {
  readonly id = GPT2_TOKENIZER_ID;
  readonly vocabSize = GPT2_VOCAB_SIZE;
  // GPT-2 has one special token; like Hugging Face's GPT-2 it serves as BOS, EOS and padding.
  readonly specialTokens = { bos: GPT2_ENDOFTEXT_ID, eos: GPT2_ENDOFTEXT_ID, pad: GPT2_ENDOFTEXT_ID } as const;
  private readonly encoder: Tiktoken;
  protected readonly bytesById: readonly Uint8Array[];

  private constructor(ranks: Gpt2Ranks) {
    super();
    this.encoder = new Tiktoken(ranks.bpe);
    const endOfText = new TextEncoder().encode(GPT2_ENDOFTEXT);
    this.bytesById = [...ranks.bytesByRank, endOfText];
  }

  /** Loads the ranks (first call only) and builds the encoder. */
  static async load(): Promise<Gpt2Tokenizer> {
    return new Gpt2Tokenizer(await loadGpt2Ranks());
  }

  encode(text: string, options?: EncodeOptions): number[] {
    // disallowedSpecial = [] makes `<|endoftext|>` in user text plain text instead of an error (Python tiktoken's
    // encode_ordinary); allowedSpecial 'all' maps it to 50256.
    return options?.allowSpecialTokens ? this.encoder.encode(text, 'all') : this.encoder.encode(text, [], []);
  }

  isSpecialToken(id: number): boolean {
    return id === GPT2_ENDOFTEXT_ID;
  }
}
