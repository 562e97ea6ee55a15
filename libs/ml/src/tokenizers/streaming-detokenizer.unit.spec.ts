import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from './byte-tokenizer';
import { createTokenizer } from './registry';
import { StreamingDetokenizer } from './streaming-detokenizer';

describe('StreamingDetokenizer', () => {
  const bytes = new ByteTokenizer();

  it('holds back a 4-byte emoji split across byte tokens until it is complete', () => {
    const stream = new StreamingDetokenizer(bytes);
    const deltas = [...bytes.encode('a😀b')].map((id) => stream.push(id));
    expect(deltas).toEqual(['a', '', '', '', '😀', 'b']);
    expect(stream.flush()).toBe('');
  });

  it('never emits U+FFFD for valid text, and its deltas concatenate to decode()', async () => {
    const gpt2 = await createTokenizer('gpt2');
    const text = 'Tokyo 東京 🦄🧑🏾‍🚀 café ñ e\u0301';
    for (const tokenizer of [bytes, gpt2]) {
      const ids = tokenizer.encode(text);
      const stream = new StreamingDetokenizer(tokenizer);
      const deltas = ids.map((id) => stream.push(id));
      deltas.push(stream.flush());
      expect(deltas.join('')).toBe(text);
      expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
    }
  });

  it('splits GPT-2 byte-fallback tokens of a rare character correctly', async () => {
    const gpt2 = await createTokenizer('gpt2');
    const ids = gpt2.encode('🦄');
    expect(ids.length).toBeGreaterThan(1); // the unicorn is not one GPT-2 token
    const stream = new StreamingDetokenizer(gpt2);
    const deltas = ids.map((id) => stream.push(id));
    expect(deltas.slice(0, -1).every((d) => d === '')).toBe(true);
    expect(deltas.at(-1)).toBe('🦄');
  });

  it('flushes an unfinished character as U+FFFD, like decode()', () => {
    const stream = new StreamingDetokenizer(bytes);
    expect(stream.push(0xf0)).toBe('');
    expect(stream.push(0x9f)).toBe('');
    expect(stream.flush()).toBe(bytes.decode([0xf0, 0x9f]));
  });

  it('skips special tokens by default and renders them when asked', () => {
    expect(new StreamingDetokenizer(bytes).push(257)).toBe('');
    expect(new StreamingDetokenizer(bytes, { skipSpecialTokens: false }).push(257)).toBe('<|eos|>');
  });
});
