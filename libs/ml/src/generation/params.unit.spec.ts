import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATION_PARAMS, GenerationParamError, validateGenerationParams } from './params';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GenerationParamError);
    expect((error as Error).message.startsWith(`${(error as GenerationParamError).field} `)).toBe(true);
    return (error as GenerationParamError).field;
  }
  throw new Error('expected a GenerationParamError');
}

describe('validateGenerationParams', () => {
  it('fills in the defaults', () => {
    expect(validateGenerationParams()).toEqual({ ...DEFAULT_GENERATION_PARAMS, stop: [] });
  });

  it('keeps valid values and turns the seed into a bigint', () => {
    const params = validateGenerationParams({ temperature: 0, topK: 5, topP: 1, maxNewTokens: 1, seed: 3 });
    expect(params).toMatchObject({ temperature: 0, topK: 5, topP: 1, maxNewTokens: 1, seed: 3n });
  });

  it.each([
    [{ temperature: -0.1 }, 'temperature'],
    [{ temperature: Number.NaN }, 'temperature'],
    [{ topP: 0 }, 'top_p'],
    [{ topP: 1.01 }, 'top_p'],
    [{ topK: -1 }, 'top_k'],
    [{ topK: 2.5 }, 'top_k'],
    [{ repetitionPenalty: 0 }, 'repetition_penalty'],
    [{ repetitionPenalty: Number.POSITIVE_INFINITY }, 'repetition_penalty'],
    [{ maxNewTokens: 0 }, 'max_new_tokens'],
    [{ maxNewTokens: 1.5 }, 'max_new_tokens'],
    [{ stop: ['ok', ''] }, 'stop[1]'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 2n ** 64n }, 'seed'],
    [{ seed: 0.5 }, 'seed'],
  ])('rejects invalid input #%# naming the field', (input, field) => {
    expect(fieldOf(() => validateGenerationParams(input))).toBe(field);
  });

  it('says what is allowed and what was given', () => {
    expect(() => validateGenerationParams({ topP: 1.5 })).toThrow(
      'top_p must be > 0 and ≤ 1; use 1 to disable (got 1.5)',
    );
  });
});
