import { describe, expect, it } from 'vitest';
import { Xoshiro128StarStar } from './prng';
import { argmax, sampleFromLogits, TokenSelector } from './token-selector';

const VOCAB = 32;
function randomRow(seed: number): Float32Array {
  const rng = new Xoshiro128StarStar(seed);
  return Float32Array.from({ length: VOCAB }, () => (rng.nextFloat() - 0.5) * 6);
}
const params = (
  overrides: Partial<{ temperature: number; topK: number; topP: number; repetitionPenalty: number }>,
) => ({
  temperature: 1,
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  ...overrides,
});

describe('argmax / sampleFromLogits', () => {
  it('argmax picks the lowest index among equal maxima', () => {
    expect(argmax(Float32Array.from([1, 3, 3, -Infinity]))).toBe(1);
  });

  it('never picks a −∞ or NaN logit', () => {
    const logits = Float32Array.from([-Infinity, 0, Number.NaN, -Infinity]);
    for (const u of [0, 0.25, 0.5, 0.999999]) expect(sampleFromLogits(logits, u)).toBe(1);
  });

  it('explains a row with no usable logit', () => {
    expect(() => argmax(Float32Array.from([-Infinity, Number.NaN]))).toThrow(/every logit is −∞ or NaN/);
  });
});

describe('TokenSelector', () => {
  it('is greedy at temperature 0: always the argmax, whatever the seed', () => {
    const logits = randomRow(1);
    const expected = argmax(logits);
    for (let seed = 0; seed < 20; seed++) {
      expect(new TokenSelector(params({ temperature: 0 }), VOCAB, new Xoshiro128StarStar(seed)).next(logits, [])).toBe(
        expected,
      );
    }
  });

  it('does not modify the caller’s logits row', () => {
    const logits = randomRow(2);
    const copy = logits.slice();
    new TokenSelector(
      params({ temperature: 0.5, topK: 3, repetitionPenalty: 2 }),
      VOCAB,
      new Xoshiro128StarStar(0),
    ).next(logits, [1, 2]);
    expect(logits).toEqual(copy);
  });

  it('ignores logits beyond the tokenizer vocabulary (a padded model vocabulary)', () => {
    const logits = new Float32Array(VOCAB + 8).fill(-5);
    logits[VOCAB + 3] = 100;
    logits[4] = 0;
    expect(new TokenSelector(params({ temperature: 0 }), VOCAB, new Xoshiro128StarStar(0)).next(logits, [])).toBe(4);
  });

  it('never emits a token filtered by top-k or top-p, over 300 seeds', () => {
    for (let seed = 0; seed < 300; seed++) {
      const logits = randomRow(1000 + seed);
      const order = [...logits.keys()].sort((a, b) => (logits[b] as number) - (logits[a] as number));
      const topK = new TokenSelector(params({ topK: 3 }), VOCAB, new Xoshiro128StarStar(seed)).next(logits, []);
      expect(order.slice(0, 3)).toContain(topK);

      // top_p = 0.5 of the tempered distribution: compute the nucleus independently.
      const temperature = 0.8;
      const weights = order.map((i) => Math.exp((logits[i] as number) / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      let cumulative = 0;
      let size = 0;
      while (cumulative < 0.5 * total) cumulative += weights[size++] as number;
      const topP = new TokenSelector(params({ temperature, topP: 0.5 }), VOCAB, new Xoshiro128StarStar(seed)).next(
        logits,
        [],
      );
      expect(order.slice(0, size)).toContain(topP);
    }
  });

  it('samples with the softmax frequencies, sharper at lower temperature', () => {
    const logits = Float32Array.from([Math.log(0.6), Math.log(0.3), Math.log(0.1)]);
    const frequencies = (temperature: number) => {
      const selector = new TokenSelector(params({ temperature }), 3, new Xoshiro128StarStar(5));
      const counts = [0, 0, 0];
      for (let i = 0; i < 20_000; i++) (counts[selector.next(logits, [])] as number)++;
      return counts.map((c) => c / 20_000);
    };
    const t1 = frequencies(1);
    [0.6, 0.3, 0.1].forEach((p, i) => {
      expect(Math.abs((t1[i] as number) - p)).toBeLessThan(0.015);
    });
    // Temperature 0.5 squares the probabilities before renormalising: 0.36 / 0.46 ≈ 0.783 for token 0.
    expect(Math.abs((frequencies(0.5)[0] as number) - 0.36 / 0.46)).toBeLessThan(0.015);
  });

  it('reproduces a seeded stream and differs across seeds', () => {
    const logits = new Float32Array(VOCAB); // uniform: maximally seed-dependent
    const run = (seed: number) => {
      const selector = new TokenSelector(params({}), VOCAB, new Xoshiro128StarStar(seed));
      return Array.from({ length: 16 }, () => selector.next(logits, []));
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });
});
