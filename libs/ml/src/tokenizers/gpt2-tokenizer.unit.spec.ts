import { describe, expect, it } from 'vitest';
import { GPT2_ENDOFTEXT_ID, GPT2_VOCAB_SIZE } from './gpt2-ranks';
import { createTokenizer } from './registry';

const SAMPLES = [
  '',
  'Hello world',
  'héllo wörld',
  '日本語のテキスト',
  '👋🏽 family 👨‍👩‍👧',
  'e\u0301 a\u0300',
  '  spaces\n\ttabs  ',
];

describe('Gpt2Tokenizer', async () => {
  const tokenizer = await createTokenizer('gpt2');

  it('has the GPT-2 vocabulary and <|endoftext|> = 50256 as bos/eos/pad', () => {
    expect(tokenizer.id).toBe('gpt2');
    expect(tokenizer.vocabSize).toBe(GPT2_VOCAB_SIZE);
    expect(tokenizer.specialTokens).toEqual({ bos: 50256, eos: 50256, pad: 50256 });
    expect(tokenizer.decode([GPT2_ENDOFTEXT_ID])).toBe('<|endoftext|>');
  });

  it('produces the reference GPT-2 ids', () => {
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.encode(' the')).toEqual([262]);
    expect(tokenizer.encode('!')).toEqual([0]);
    expect(tokenizer.encode("I'm")).toEqual([40, 1101]);
  });

  it.each(SAMPLES)('round-trips %j', (text) => {
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('treats <|endoftext|> in user text as plain text unless specials are allowed', () => {
    expect(tokenizer.encode('<|endoftext|>')).not.toContain(GPT2_ENDOFTEXT_ID);
    expect(tokenizer.encode('a<|endoftext|>', { allowSpecialTokens: true })).toEqual([64, GPT2_ENDOFTEXT_ID]);
  });

  it('skips <|endoftext|> on request', () => {
    expect(tokenizer.decode([15496, GPT2_ENDOFTEXT_ID, 995], { skipSpecialTokens: true })).toBe('Hello world');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tokenizer.decode([GPT2_VOCAB_SIZE])).toThrow(/token id 50257/);
  });
});

describe('createTokenizer', () => {
  it('returns one shared instance per id', async () => {
    expect(await createTokenizer('byte')).toBe(await createTokenizer('byte'));
  });

  it('names the known tokenizers when the id is unknown', async () => {
    await expect(createTokenizer('sentencepiece')).rejects.toThrow(/unknown tokenizer "sentencepiece".*byte, gpt2/);
  });
});
