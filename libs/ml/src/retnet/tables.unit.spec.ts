// The decay schedule, decay mask normalisation and rotation against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { decayGammas, decayPowerTable, decaySum, rotaryTables, rotaryThetas, rowScaleTable } from './tables';

describe('RetNet position tables', () => {
  it('uses γ_h = 1 − 2^(−5−h) per head', () => {
    expect(decayGammas(4)).toEqual([1 - 1 / 32, 1 - 1 / 64, 1 - 1 / 128, 1 - 1 / 256]);
  });

  it('sums the decay as c_n = 1 + γ + … + γ^n', () => {
    const g = 0.96875;
    expect(decaySum(g, 0)).toBeCloseTo(1, 12);
    expect(decaySum(g, 2)).toBeCloseTo(1 + g + g * g, 12);
  });

  it('gives the decay mask entries D̃[n, m] = γ^(n−m)/sqrt(c_n) through its power and row-scale tables', () => {
    const gammas = decayGammas(2); // [31/32, 63/64]
    const pow = decayPowerTable(gammas, 8); // [10, 2]
    const rs = rowScaleTable(gammas, 8); // [8, 2]
    const g1 = 63 / 64;
    // D̃[3, 1] for head 1 = γ² / sqrt(1 + γ + γ² + γ³)
    const expected = (g1 * g1) / Math.sqrt(1 + g1 + g1 ** 2 + g1 ** 3);
    expect((pow[2 * 2 + 1] as number) * (rs[3 * 2 + 1] as number)).toBeCloseTo(expected, 6);
    expect(pow[0]).toBe(1); // γ^0
    expect(Array.from(pow.subarray(9 * 2))).toEqual([0, 0]); // the "future" row masks j > i
    expect(rs[0]).toBe(1); // c_0 = 1
  });

  it('uses θ_j = base^(−j/(d_k/2 − 1)) and rotates channel pairs by n·θ_j', () => {
    expect(rotaryThetas(4, 10000)).toEqual([1, 1e-4]);
    const { cos, sin } = rotaryTables(4, 10000, 3); // [3, 4]
    // Worked example at n = 2: x = [1, 0, 0, 1] → [cos 2, sin 2, −sin(2e−4), cos(2e−4)] via x·cos + rot(x)·sin
    const x = [1, 0, 0, 1];
    const rot = [-(x[1] as number), x[0] as number, -(x[3] as number), x[2] as number];
    const rotated = x.map((v, i) => v * (cos[8 + i] as number) + (rot[i] as number) * (sin[8 + i] as number));
    const expected = [Math.cos(2), Math.sin(2), -Math.sin(2e-4), Math.cos(2e-4)];
    rotated.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 6);
    });
  });
});
