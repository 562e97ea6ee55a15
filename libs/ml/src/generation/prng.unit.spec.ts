import { describe, expect, it } from 'vitest';
import { randomSeed, Xoshiro128StarStar } from './prng';

const draw = (rng: Xoshiro128StarStar, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Xoshiro128StarStar', () => {
  it('matches the reference xoshiro128** output for state [1, 2, 3, 4]', () => {
    expect(draw(Xoshiro128StarStar.fromState([1, 2, 3, 4]), 6)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it('repeats its stream for the same seed, number or bigint', () => {
    expect(draw(new Xoshiro128StarStar(42), 8)).toEqual(draw(new Xoshiro128StarStar(42n), 8));
  });

  it('gives different streams for different seeds, including seeds above 2^53', () => {
    expect(draw(new Xoshiro128StarStar(1), 4)).not.toEqual(draw(new Xoshiro128StarStar(2), 4));
    expect(draw(new Xoshiro128StarStar(2n ** 63n), 4)).not.toEqual(draw(new Xoshiro128StarStar(2n ** 63n + 1n), 4));
  });

  it('draws floats in [0, 1) with a mean near 1/2', () => {
    const rng = new Xoshiro128StarStar(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = rng.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 10_000 - 0.5)).toBeLessThan(0.02);
  });

  it('draws random uint64 seeds', () => {
    const a = randomSeed();
    expect(a >= 0n && a < 2n ** 64n).toBe(true);
    expect(randomSeed()).not.toBe(a);
  });
});
