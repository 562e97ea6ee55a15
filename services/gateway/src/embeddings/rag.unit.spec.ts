import { describe, expect, it } from 'vitest';
import { fitPassages, ragPrompt } from './rag.http.controller';

describe('RAG prompt', () => {
  it('numbers the passages before the question', () => {
    expect(ragPrompt('Why?', [{ text: 'a' }, { text: 'b' }])).toBe(
      'Answer the question using the passages below.\n\nPassages:\n[1] a\n[2] b\n\nQuestion: Why?\nAnswer:',
    );
  });

  it('cuts passages best first to the character budget and leaves out the ones that get nothing', () => {
    const fitted = fitPassages([{ text: 'aaaa' }, { text: 'bbbb' }, { text: 'cccc' }], 6);
    expect(fitted).toEqual([
      { text: 'aaaa', usedChars: 4 },
      { text: 'bb', usedChars: 2 },
    ]);
  });
});
