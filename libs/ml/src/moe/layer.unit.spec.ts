import { describe, expect, it } from 'vitest';
import { erf } from '../retnet/reference';
import { cpuSession, floatData, maxAbsDiff } from '../retnet/test-support';
import { float32 } from '../runtime/session';
import { SeededRandom } from '../weights/random';
import type { WeightMap } from '../weights/tensor';
import type { MoeSettings } from './config';
import { buildMoeLayerGraph, type MoeDispatch, prepareMoeFfn } from './graph';
import { referenceMoeFfn, routeTopK } from './reference';
import { initMoeFfnWeights } from './weights';

const settings = (over: Partial<MoeSettings> = {}): MoeSettings => ({
  numExperts: 8,
  topK: 2,
  expertFfnDim: 24,
  auxLossCoef: 0.01,
  ...over,
});

function inputs(N: number, d: number, seed: number): Float32Array {
  return new SeededRandom(seed).normals(N * d, 1);
}

async function runLayer(weights: WeightMap, d: number, s: MoeSettings, dispatch: MoeDispatch, x: Float32Array) {
  const session = await cpuSession(buildMoeLayerGraph(prepareMoeFfn(weights, 'ffn', d, s), dispatch));
  try {
    const out = await session.run({ x: float32(x, [x.length / d, d]) });
    const counts = out.expert_tokens;
    if (counts?.type !== 'int64') throw new Error('expert_tokens missing');
    return { y: floatData(out.y), counts: Array.from(counts.data, Number) };
  } finally {
    await session.dispose();
  }
}

/** Brute force: sort all experts by (probability desc, id asc) and take the first k. */
function bruteTopK(probs: ArrayLike<number>, E: number, k: number): number[] {
  const ids = Array.from({ length: E }, (_, e) => e);
  ids.sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  return ids.slice(0, k);
}

describe('MoE FFN layer', () => {
  const d = 16;

  it('routes every token to the true top-k experts, ties to the lower expert id', () => {
    const rng = new SeededRandom(5);
    const N = 50;
    const E = 8;
    const logits = rng.normals(N * E, 2);
    // Rows with exact ties: all equal, and a tie between the 2nd and 3rd best.
    logits.fill(0.5, 0, E);
    logits.set([3, 1, 2, 2, 0, -1, 2, 0.5], E);
    for (const k of [1, 2, 3, 8]) {
      const r = routeTopK(logits, N, E, k);
      for (let n = 0; n < N; n++) {
        const chosen = Array.from(r.indices.slice(n * k, (n + 1) * k));
        expect(chosen).toEqual(bruteTopK(r.probs.slice(n * E, (n + 1) * E), E, k));
        const wsum = r.weights.slice(n * k, (n + 1) * k).reduce((a, b) => a + b, 0);
        expect(wsum).toBeCloseTo(1, 12);
      }
    }
    expect(Array.from(routeTopK(logits, N, E, 3).indices.slice(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(routeTopK(logits, N, E, 3).indices.slice(3, 6))).toEqual([0, 2, 3]);
  });

  it.each(['sparse', 'dense'] as const)('%s dispatch matches the float64 reference (≤ 1e-5)', async (dispatch) => {
    const s = settings();
    const weights = initMoeFfnWeights('ffn', d, s, 11);
    for (const N of [1, 3, 40]) {
      const x = inputs(N, d, N);
      const { y, counts } = await runLayer(weights, d, s, dispatch, x);
      const ref = referenceMoeFfn(x, N, d, weights, 'ffn', s);
      expect(maxAbsDiff(y, ref.y)).toBeLessThanOrEqual(1e-5);
      const want = new Array<number>(s.numExperts).fill(0);
      for (const e of ref.routing.indices) want[e] = (want[e] as number) + 1;
      expect(counts).toEqual(want);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(N * s.topK);
    }
  });

  it('sparse and dense dispatch agree (≤ 1e-5), also when some experts get no token', async () => {
    const s = settings({ numExperts: 6, topK: 3 });
    const weights = initMoeFfnWeights('ffn', d, s, 3);
    // Two tokens fill 6 slots of 6 experts; pushing expert 5's router row against both inputs leaves it unused.
    const router = weights.get('ffn.router.weight')?.data as Float32Array;
    const x = inputs(2, d, 9);
    for (let c = 0; c < d; c++) router[5 * d + c] = -50 * Math.sign(((x[c] as number) + (x[d + c] as number)) / 2 || 1);
    const sparse = await runLayer(weights, d, s, 'sparse', x);
    const dense = await runLayer(weights, d, s, 'dense', x);
    expect(sparse.counts).toEqual(dense.counts);
    expect(sparse.counts.filter((c) => c === 0).length).toBeGreaterThan(0);
    expect(maxAbsDiff(sparse.y, dense.y)).toBeLessThanOrEqual(1e-5);
  });

  it('with one expert and top-1 equals a dense FFN with the same weights', async () => {
    const s = settings({ numExperts: 1, topK: 1 });
    const weights = initMoeFfnWeights('ffn', d, s, 4);
    const N = 7;
    const x = inputs(N, d, 1);
    const { y, counts } = await runLayer(weights, d, s, 'sparse', x);
    const w = (n: string) => weights.get(`ffn.experts.0.${n}`)?.data as Float32Array;
    const f = s.expertFfnDim;
    const dense = new Float64Array(N * d);
    for (let n = 0; n < N; n++) {
      const h = Array.from({ length: f }, (_, o) => {
        let acc = w('fc1.bias')[o] as number;
        for (let c = 0; c < d; c++) acc += (x[n * d + c] as number) * (w('fc1.weight')[o * d + c] as number);
        return acc;
      }).map((z) => 0.5 * z * (1 + erf(z / Math.SQRT2)));
      for (let o = 0; o < d; o++) {
        let acc = w('fc2.bias')[o] as number;
        for (let c = 0; c < f; c++) acc += (h[c] as number) * (w('fc2.weight')[o * f + c] as number);
        dense[n * d + o] = acc;
      }
    }
    expect(maxAbsDiff(y, dense)).toBeLessThanOrEqual(1e-5);
    expect(counts).toEqual([N]);
  });

  it('ONNX TopK picks the lower expert id among equal router probabilities', async () => {
    // A zero router gives every expert probability 1/E: the chosen experts must be 0..k-1 for every token.
    const s = settings({ numExperts: 5, topK: 2 });
    const weights = initMoeFfnWeights('ffn', d, s, 8);
    weights.get('ffn.router.weight')?.data.fill(0);
    const { counts } = await runLayer(weights, d, s, 'sparse', inputs(9, d, 2));
    expect(counts).toEqual([9, 9, 0, 0, 0]);
  });
});
