import { describe, expect, it } from 'vitest';
import { BYTE_BOS, BYTE_EOS, BYTE_PAD, BYTE_VOCAB_SIZE, ByteTokenizer } from './byte-tokenizer';

const SAMPLES = [
  '',
  'hello',
  'héllo wörld',
  '日本語のテキスト',
  '👋🏽 family 👨‍👩‍👧',
  'e\u0301 a\u0300 combining',
  '\u0000\n\t',
];

describe('ByteTokenizer', () => {
  const tokenizer = new ByteTokenizer();

  it('declares 256 byte ids then bos/eos/pad specials', () => {
    expect(tokenizer.id).toBe('byte');
    expect([BYTE_BOS, BYTE_EOS, BYTE_PAD, BYTE_VOCAB_SIZE]).toEqual([256, 257, 258, 259]);
    expect(tokenizer.specialTokens).toEqual({ bos: 256, eos: 257, pad: 258 });
  });

  it('encodes text as its UTF-8 bytes', () => {
    expect(tokenizer.encode('A€')).toEqual([0x41, 0xe2, 0x82, 0xac]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it.each(SAMPLES)('round-trips %j', (text) => {
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('encodes special-token strings as plain bytes unless allowed', () => {
    expect(tokenizer.encode('<|eos|>')).toHaveLength(7);
    expect(tokenizer.encode('a<|bos|>b<|pad|>', { allowSpecialTokens: true })).toEqual([97, 256, 98, 258]);
  });

  it('renders specials as strings, or skips them on request', () => {
    expect(tokenizer.decode([256, 104, 105, 257])).toBe('<|bos|>hi<|eos|>');
    expect(tokenizer.decode([256, 104, 105, 257], { skipSpecialTokens: true })).toBe('hi');
  });

  it('rejects ids outside the vocabulary with the valid range', () => {
    expect(() => tokenizer.decode([259])).toThrow(/token id 259 .*0 … 258/);
    expect(() => tokenizer.tokenBytes(-1)).toThrow(RangeError);
  });

  it('renders invalid UTF-8 as U+FFFD', () => {
    expect(tokenizer.decode([0xff, 0x41])).toBe('\uFFFDA');
  });
});
