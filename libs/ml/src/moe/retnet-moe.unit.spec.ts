// A RetNet whose blocks use the MoE FFN: the three forms still agree, the parallel graph matches the float64
// oracle, checkpoints round-trip with the MoE tensor names, and the model tallies per-expert load.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../retnet/checkpoint';
import { parseRetNetConfig } from '../retnet/config';
import { RetNetModel } from '../retnet/model';
import { referenceRetNetLogits } from '../retnet/reference';
import type { RetNetFormSessions } from '../retnet/test-support';
import { createFormSessions, floatData, maxAbsDiff, randomTokens, tinyConfig } from '../retnet/test-support';
import { initRetNetWeights, retNetTensorSpecs } from '../retnet/weights';
import type { HostTensor } from '../runtime/session';
import { int64 } from '../runtime/session';
import { expertTokenCounts } from './stats';

const config = tinyConfig({ ffn: 'moe', num_experts: 4, top_k: 2, expert_ffn_dim: 24 });
const V = config.vocab_size;
const L = config.num_layers;
const E = 4;
const TOL = 1e-4;
const weights = initRetNetWeights(config, 21, { randomAffine: true });

let forms: RetNetFormSessions;

beforeAll(async () => {
  forms = await createFormSessions(config, weights);
});

afterAll(async () => {
  await forms.dispose();
});

const batchTokens = (B: number, T: number) => Array.from({ length: B }, (_, b) => randomTokens(T, V, 300 + b)).flat();
const addCounts = (total: number[][], out: Record<string, HostTensor>) => {
  expertTokenCounts(out, L).forEach((row, l) => {
    row.forEach((n, e) => {
      (total[l] as number[])[e] = ((total[l] as number[])[e] as number) + n;
    });
  });
};
const zeroCounts = () => Array.from({ length: L }, () => new Array<number>(E).fill(0));

describe('RetNet with MoE FFN', () => {
  it('config: MoE keys are validated and a dense config is unchanged by them', () => {
    expect(() => tinyConfig({ ffn: 'moe', num_experts: 4 })).toThrow(/top_k/);
    expect(() => tinyConfig({ ffn: 'moe', num_experts: 2, top_k: 3 })).toThrow(/top_k 3 exceeds num_experts 2/);
    expect(Object.keys(tinyConfig())).not.toContain('ffn');
    expect(parseRetNetConfig({ ...config }).ffn).toBe('moe');
    const names = retNetTensorSpecs(config).map((s) => s.name);
    expect(names).toContain('layers.1.ffn.router.weight');
    expect(names).toContain('layers.0.ffn.experts.3.fc2.bias');
    expect(names.some((n) => n.includes('ffn.fc1'))).toBe(false);
  });

  it('parallel graph matches the float64 oracle', async () => {
    const tokens = randomTokens(23, V, 5);
    const out = await forms.parallel.run({ tokens: int64(tokens, [1, tokens.length]) });
    expect(maxAbsDiff(floatData(out.logits), referenceRetNetLogits(config, weights, tokens))).toBeLessThanOrEqual(TOL);
  });

  it.each([
    [1, 40, 16],
    [3, 29, 5],
  ])(
    'batch %i, length %i: parallel = chunkwise (chunk %i) = recurrent, and counts sum to tokens·k',
    async (B, T, chunk) => {
      const tokens = batchTokens(B, T);
      const p = await forms.parallel.run({ tokens: int64(tokens, [B, T]) });
      const pCounts = zeroCounts();
      addCounts(pCounts, p);

      const chunked = new Float32Array(B * T * V);
      const cCounts = zeroCounts();
      let states = forms.zeroStates(B);
      for (let s = 0; s < T; s += chunk) {
        const C = Math.min(chunk, T - s);
        const part = Array.from({ length: B }, (_, b) => tokens.slice(b * T + s, b * T + s + C)).flat();
        const out = await forms.chunkwise.run({
          tokens: int64(part, [B, C]),
          start: int64(Array(B).fill(s), [B]),
          ...states,
        });
        const lg = floatData(out.logits);
        for (let b = 0; b < B; b++) chunked.set(lg.subarray(b * C * V, (b + 1) * C * V), (b * T + s) * V);
        states = forms.statesFrom(out);
        addCounts(cCounts, out);
      }

      const stepped = new Float32Array(B * T * V);
      const rCounts = zeroCounts();
      states = forms.zeroStates(B);
      for (let t = 0; t < T; t++) {
        const step = Array.from({ length: B }, (_, b) => tokens[b * T + t] as number);
        const out = await forms.recurrent.run({
          tokens: int64(step, [B]),
          positions: int64(Array(B).fill(t), [B]),
          ...states,
        });
        const lg = floatData(out.logits);
        for (let b = 0; b < B; b++) stepped.set(lg.subarray(b * V, (b + 1) * V), (b * T + t) * V);
        states = forms.statesFrom(out);
        addCounts(rCounts, out);
      }

      const pl = floatData(p.logits);
      expect(maxAbsDiff(pl, chunked)).toBeLessThanOrEqual(TOL);
      expect(maxAbsDiff(pl, stepped)).toBeLessThanOrEqual(TOL);
      for (const row of pCounts) expect(row.reduce((a, b) => a + b, 0)).toBe(B * T * 2);
      expect(cCounts).toEqual(pCounts);
      expect(rCounts).toEqual(pCounts);
    },
  );

  it('checkpoints round-trip; RetNetModel prefills, decodes and tallies expert load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nf-moe-'));
    try {
      await saveModel(dir, { config, weights });
      const loaded = await loadModel(dir);
      expect(loaded.config.num_experts).toBe(E);
      const model = await RetNetModel.load(dir, { device: 'cpu', intraOpThreads: 1, chunkSize: 8, log: () => {} });
      try {
        const prompt = randomTokens(20, V, 9);
        const parallelPrefill = await model.prefillWith('parallel', prompt);
        const chunked = await model.prefillWith('chunkwise', prompt);
        expect(maxAbsDiff(parallelPrefill.logits, chunked.logits)).toBeLessThanOrEqual(TOL);
        await model.decodeStep([1, 2], [20, 20], model.stackStates([chunked.state, chunked.state]));
        const load = model.expertLoad;
        expect(load).toBeDefined();
        const totals = load?.snapshot() ?? [];
        // parallel 20 + chunkwise 20 + decode 2 tokens, each routed to top_k = 2 experts, in every layer.
        for (const row of totals) expect(row.reduce((a, b) => a + b, 0)).toBe(42 * 2);
        const drained = load?.drain() ?? [];
        expect(drained.reduce((a, s) => a + s.tokens, 0)).toBe(42 * 2 * L);
        expect(load?.drain()).toEqual([]);
      } finally {
        await model.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
