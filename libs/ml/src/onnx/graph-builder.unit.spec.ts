// The builder's graphs load in onnxruntime-node (optimisation level 'all') and compute what they declare.
import { describe, expect, it } from 'vitest';
import { EngineSession, float32, type HostTensor } from '../runtime/session';

/** The float values of an output (empty when it is missing or not float32, so assertions fail). */
const values = (t?: HostTensor): number[] => (t?.type === 'float32' ? Array.from(t.data) : []);

import { GraphBuilder } from './graph-builder';
import { gelu, normalizeLastAxis } from './layers';

const open = (bytes: Uint8Array) => EngineSession.create(bytes, { device: 'cpu', intraOpThreads: 1, log: () => {} });

describe('GraphBuilder', () => {
  it('builds a linear layer with a symbolic batch dim that runs for several batch sizes', async () => {
    const g = new GraphBuilder('linear');
    const x = g.input('x', 'float32', ['batch', 2]);
    const w = g.initializer('w', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])); // [in, out]
    const b = g.constFloat([0.5, 0, -0.5]);
    g.output(g.op('Add', [g.op('MatMul', [x, w]), b]), 'y', 'float32', ['batch', 3]);
    const session = await open(g.serialize());
    const one = await session.run({ x: float32(Float32Array.from([1, 1]), [1, 2]) });
    expect(values(one.y)).toEqual([5.5, 7, 8.5]);
    const two = await session.run({ x: float32(Float32Array.from([1, 0, 0, 2]), [2, 2]) });
    expect(two.y?.dims).toEqual([2, 3]);
    expect(values(two.y)).toEqual([1.5, 2, 2.5, 8.5, 10, 11.5]);
    await session.dispose();
  });

  it('encodes int, float and int-list attributes', async () => {
    const g = new GraphBuilder('attrs');
    const x = g.input('x', 'float32', ['n', 'm']);
    const t = g.op('Transpose', [x], { perm: [1, 0] });
    const y = g.op('LeakyRelu', [t], { alpha: 0.25 });
    g.output(g.op('ReduceMax', [y], { axes: [1], keepdims: 0 }), 'y', 'float32', ['m']);
    const session = await open(g.serialize());
    const out = await session.run({ x: float32(Float32Array.from([1, -4, 2, -8]), [2, 2]) }); // [[1,-4],[2,-8]]
    expect(values(out.y)).toEqual([2, -1]); // rows of xᵀ: [1,2] → max 2; [-4,-8] → [-1,-2] → max -1
    await session.dispose();
  });

  it('gives every generated name once and refuses a duplicate explicit name', () => {
    const g = new GraphBuilder('names');
    const names = [g.uniqueName('a'), g.uniqueName('a'), g.uniqueName('a')];
    expect(new Set(names).size).toBe(3);
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/already used/);
    expect(() => g.initializer('w', [2, 2], new Float32Array(3))).toThrow(/3 values for dims \[2, 2\]/);
  });

  it('deduplicates constants', () => {
    const g = new GraphBuilder('consts');
    expect(g.constInt64([1, 2])).toBe(g.constInt64([1, 2]));
    expect(g.constInt64([1, 2])).not.toBe(g.constInt64([1, 2], [2, 1]));
  });
});

describe('layers', () => {
  it('normalises the last axis like a GroupNorm group (worked example)', async () => {
    const g = new GraphBuilder('gn');
    const x = g.input('x', 'float32', [2, 4]);
    g.output(normalizeLastAxis(g, x, 1e-5), 'y', 'float32', [2, 4]);
    const session = await open(g.serialize());
    const out = await session.run({ x: float32(Float32Array.from([1, 2, 3, 4, 5, 5, 5, 5]), [2, 4]) });
    // Row 1: mean 2.5, biased variance 1.25 → (x − 2.5)/sqrt(1.25 + 1e-5). Row 2: constant → zeros.
    const s = Math.sqrt(1.25 + 1e-5);
    const expected = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0, 0, 0, 0];
    values(out.y).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 6);
    });
    await session.dispose();
  });

  it('computes exact (erf) GELU', async () => {
    const g = new GraphBuilder('gelu');
    const x = g.input('x', 'float32', [3]);
    g.output(gelu(g, x), 'y', 'float32', [3]);
    const session = await open(g.serialize());
    const out = await session.run({ x: float32(Float32Array.from([-1, 0, 2]), [3]) });
    // 0.5·x·(1 + erf(x/√2)): erf(−0.70711) = −0.682689, erf(1.41421) = 0.954500
    const expected = [-0.5 * (1 - 0.682689), 0, 0.5 * 2 * (1 + 0.9545)];
    values(out.y).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 5);
    });
    await session.dispose();
  });
});
