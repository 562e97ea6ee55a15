// Byte-level tokenizer for small models: ids 0–255 are the UTF-8 bytes, then three special tokens.
import { ByteTableTokenizer, type EncodeOptions } from './tokenizer';

export const BYTE_TOKENIZER_ID = 'byte';
export const BYTE_BOS = 256;
export const BYTE_EOS = 257;
export const BYTE_PAD = 258;
/** 256 bytes + `<|bos|>`, `<|eos|>`, `<|pad|>`. A model using this tokenizer needs vocab_size ≥ 259. */
export const BYTE_VOCAB_SIZE = 259;

const SPECIALS: ReadonlyMap<string, number> = new Map([
  ['<|bos|>', BYTE_BOS],
  ['<|eos|>', BYTE_EOS],
  ['<|pad|>', BYTE_PAD],
]);
const SPECIAL_PATTERN = /<\|(?:bos|eos|pad)\|>/g;

export class ByteTokenizer extends ByteTableTokenizer {
  readonly id = BYTE_TOKENIZER_ID;
  readonly vocabSize = BYTE_VOCAB_SIZE;
  readonly specialTokens = { bos: BYTE_BOS, eos: BYTE_EOS, pad: BYTE_PAD } as const;
  private readonly encoder = new TextEncoder();
  protected readonly bytesById: readonly Uint8Array[];

  constructor() {
    super();
    const table: Uint8Array[] = [];
    for (let b = 0; b < 256; b++) table.push(Uint8Array.of(b));
    for (const [text] of SPECIALS) table.push(this.encoder.encode(text));
    this.bytesById = table;
  }

  encode(text: string, options?: EncodeOptions): number[] {
    if (!options?.allowSpecialTokens) return Array.from(this.encoder.encode(text));
    const ids: number[] = [];
    let start = 0;
    for (const match of text.matchAll(SPECIAL_PATTERN)) {
      for (const b of this.encoder.encode(text.slice(start, match.index))) ids.push(b);
      ids.push(SPECIALS.get(match[0]) as number);
      start = match.index + match[0].length;
    }
    for (const b of this.encoder.encode(text.slice(start))) ids.push(b);
    return ids;
  }

  isSpecialToken(id: number): boolean {
    return id === BYTE_BOS || id === BYTE_EOS || id === BYTE_PAD;
  }
}
