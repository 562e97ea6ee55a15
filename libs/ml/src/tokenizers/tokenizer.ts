// The tokenizer port: what generation, serving and training data preparation need from a tokenizer.

/** Ids of the special tokens every NeuroForge tokenizer defines (they may coincide, as in GPT-2). */
export interface SpecialTokenIds {
  /** Start of a sequence; also the prompt used when generation is given an empty prompt. */
  readonly bos: number;
  /** End of a sequence; generation stops when the model emits it. */
  readonly eos: number;
  /** Padding for batched training data. */
  readonly pad: number;
}

export interface EncodeOptions {
  /**
   * When true, special-token strings in the text (e.g. `<|endoftext|>`) become their special ids. Default false:
   * user text is always encoded as plain text, so a prompt cannot inject an end-of-sequence token.
   */
  readonly allowSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** When true, special tokens are left out of the text. Default false: they render as their strings. */
  readonly skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** Registry id, the value of `tokenizer` in a model's config.json (`"byte"`, `"gpt2"`). */
  readonly id: string;
  /** Number of token ids (regular + special); valid ids are `0 … vocabSize − 1`. */
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokenIds;
  /** Text → ids. Adds no special tokens of its own (no BOS/EOS). */
  encode(text: string, options?: EncodeOptions): number[];
  /** Ids → text; byte sequences that are not valid UTF-8 become U+FFFD. Throws RangeError on an unknown id. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The raw bytes one token stands for (a special token: its string's UTF-8). Throws RangeError on an unknown id. */
  tokenBytes(id: number): Uint8Array;
  /** Whether the id is one of the special tokens. */
  isSpecialToken(id: number): boolean;
}

/** Throws a RangeError naming the id and the vocabulary size when the id is not a token of this tokenizer. */
export function assertTokenId(tokenizer: Pick<Tokenizer, 'id' | 'vocabSize'>, id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
    throw new RangeError(
      `token id ${id} is not in the ${tokenizer.id} tokenizer's vocabulary (valid ids: 0 … ${tokenizer.vocabSize - 1})`,
    );
  }
}

/** Decodes ids by concatenating their bytes; shared by the tokenizers so decode and streaming agree exactly. */
export function decodeViaBytes(tokenizer: Tokenizer, ids: readonly number[], options?: DecodeOptions): string {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const id of ids) {
    if (options?.skipSpecialTokens && tokenizer.isSpecialToken(id)) continue;
    const bytes = tokenizer.tokenBytes(id);
    parts.push(bytes);
    length += bytes.length;
  }
  const all = new Uint8Array(length);
  let offset = 0;
  for (const bytes of parts) {
    all.set(bytes, offset);
    offset += bytes.length;
  }
  return new TextDecoder('utf-8').decode(all);
}

/**
 * A tokenizer whose every id maps to a fixed byte string held in a table: decode and tokenBytes come from the
 * table, so the byte-level and GPT-2 tokenizers decode (and stream) through one code path.
 */
export abstract class ByteTableTokenizer implements Tokenizer {
  abstract readonly id: string;
  abstract readonly vocabSize: number;
  abstract readonly specialTokens: SpecialTokenIds;
  /** One preallocated array per id, so tokenBytes allocates nothing on the decode hot path. */
  protected abstract readonly bytesById: readonly Uint8Array[];

  abstract encode(text: string, options?: EncodeOptions): number[];
  abstract isSpecialToken(id: number): boolean;

  decode(ids: readonly number[], options?: DecodeOptions): string {
    return decodeViaBytes(this, ids, options);
  }

  tokenBytes(id: number): Uint8Array {
    assertTokenId(this, id);
    return this.bytesById[id] as Uint8Array;
  }
}
