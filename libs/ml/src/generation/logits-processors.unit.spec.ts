import { describe, expect, it } from 'vitest';
import {
  LogitsProcessorList,
  RepetitionPenaltyLogitsProcessor,
  selectKthSmallest,
  TemperatureLogitsProcessor,
  TopKLogitsProcessor,
  TopPLogitsProcessor,
} from './logits-processors';
import { Xoshiro128StarStar } from './prng';
import { buildLogitsProcessors } from './token-selector';

const row = (...values: number[]) => Float32Array.from(values);

describe('RepetitionPenaltyLogitsProcessor', () => {
  it('divides positive and multiplies negative logits of seen tokens, once per distinct token', () => {
    const logits = row(2, -1, 0.5, 3);
    new RepetitionPenaltyLogitsProcessor(2).apply(logits, { history: [0, 1, 1] });
    expect(Array.from(logits)).toEqual([1, -2, 0.5, 3]);
  });

  it('favours seen tokens with a penalty below 1', () => {
    const logits = row(2, -1);
    new RepetitionPenaltyLogitsProcessor(0.5).apply(logits, { history: [0, 1] });
    expect(Array.from(logits)).toEqual([4, -0.5]);
  });
});

describe('TemperatureLogitsProcessor', () => {
  it('divides every logit by the temperature', () => {
    const logits = row(2, -1, 0.5);
    new TemperatureLogitsProcessor(0.5).apply(logits);
    expect(Array.from(logits)).toEqual([4, -2, 1]);
  });

  it('refuses temperature 0 (greedy is the sampler’s job)', () => {
    expect(() => new TemperatureLogitsProcessor(0)).toThrow(/greedy/);
  });
});

describe('TopKLogitsProcessor', () => {
  it('keeps the k highest logits', () => {
    const logits = row(1, 5, 3, 4);
    new TopKLogitsProcessor(2).apply(logits);
    expect(Array.from(logits)).toEqual([-Infinity, 5, -Infinity, 4]);
  });

  it('keeps every token tied with the k-th largest', () => {
    const logits = row(1, 3, 3, 3, 2);
    new TopKLogitsProcessor(2).apply(logits);
    expect(Array.from(logits)).toEqual([-Infinity, 3, 3, 3, -Infinity]);
  });

  it('keeps everything when k is 0 or at least the vocabulary', () => {
    for (const k of [0, 4]) {
      const logits = row(1, 5, 3, 4);
      new TopKLogitsProcessor(k).apply(logits);
      expect(Array.from(logits)).toEqual([1, 5, 3, 4]);
    }
  });
});

describe('TopPLogitsProcessor', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  it.each([
    [0.3, [0]],
    [0.75, [0, 1]],
    [0.9, [0, 1, 2]],
    [0.99, [0, 1, 2, 3]],
  ])('with p = %d keeps tokens %j', (p, kept) => {
    const logits = Float32Array.from(probs.map(Math.log));
    new TopPLogitsProcessor(p).apply(logits);
    expect([...logits.keys()].filter((i) => logits[i] !== -Infinity)).toEqual(kept);
  });
});

describe('TopPLogitsProcessor with unusable logits', () => {
  it('drops NaN logits and keeps the nucleus of the rest', () => {
    const logits = Float32Array.from([Math.log(0.7), Number.NaN, Math.log(0.3), -Infinity]);
    new TopPLogitsProcessor(0.5).apply(logits);
    expect([...logits.keys()].filter((i) => logits[i] !== -Infinity)).toEqual([0]);
  });
});

describe('selectKthSmallest', () => {
  it('agrees with a sort on random rows with duplicates', () => {
    const rng = new Xoshiro128StarStar(3);
    for (let trial = 0; trial < 100; trial++) {
      const values = Float32Array.from({ length: 1 + (trial % 37) * 13 }, () => Math.floor(rng.nextFloat() * 20));
      const sorted = values.slice().sort();
      const kth = Math.floor(rng.nextFloat() * values.length);
      expect(selectKthSmallest(values.slice(), values.length, kth)).toBe(sorted[kth]);
    }
  });
});

describe('buildLogitsProcessors', () => {
  it('orders repetition penalty, temperature, top-k, top-p', () => {
    const chain = buildLogitsProcessors({ repetitionPenalty: 1.2, temperature: 0.7, topK: 10, topP: 0.9 });
    expect(chain.map((p) => p.constructor.name)).toEqual([
      'RepetitionPenaltyLogitsProcessor',
      'TemperatureLogitsProcessor',
      'TopKLogitsProcessor',
      'TopPLogitsProcessor',
    ]);
  });

  it('keeps only the repetition penalty for greedy decoding', () => {
    const chain = buildLogitsProcessors({ repetitionPenalty: 1.2, temperature: 0, topK: 10, topP: 0.9 });
    expect(chain.map((p) => p.constructor.name)).toEqual(['RepetitionPenaltyLogitsProcessor']);
  });

  it('applies the penalty before temperature (a list runs in order)', () => {
    const logits = row(3, 1);
    new LogitsProcessorList(buildLogitsProcessors({ repetitionPenalty: 3, temperature: 0.5, topK: 0, topP: 1 })).apply(
      logits,
      { history: [0] },
    );
    expect(Array.from(logits)).toEqual([2, 2]);
  });
});

describe('random logits', () => {
  it('top-k and top-p agree with a sort-based reference on 200 random rows', () => {
    const rng = new Xoshiro128StarStar(11);
    for (let trial = 0; trial < 200; trial++) {
      const logits = Float32Array.from({ length: 64 }, () => (rng.nextFloat() - 0.5) * 8);
      const order = [...logits.keys()].sort((a, b) => (logits[b] as number) - (logits[a] as number));
      const k = 1 + (trial % 10);
      const topK = logits.slice();
      new TopKLogitsProcessor(k).apply(topK);
      expect(new Set([...topK.keys()].filter((i) => topK[i] !== -Infinity))).toEqual(new Set(order.slice(0, k)));

      const p = 0.05 + rng.nextFloat() * 0.9;
      const max = logits[order[0] as number] as number;
      const weights = order.map((i) => Math.exp((logits[i] as number) - max));
      const total = weights.reduce((a, b) => a + b, 0);
      let cumulative = 0;
      let keep = 0;
      while (cumulative < p * total) cumulative += weights[keep++] as number;
      const topP = logits.slice();
      new TopPLogitsProcessor(p).apply(topP);
      expect(new Set([...topP.keys()].filter((i) => topP[i] !== -Infinity))).toEqual(new Set(order.slice(0, keep)));
    }
  });
});
