// RetNetModel as the LanguageModel port: prefill forms agree, continuing from a cached state equals one long
// prefill, and a batch decoding sequences at different positions equals decoding each alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from './checkpoint';
import { RetNetModel } from './model';
import { maxAbsDiff, randomTokens, tinyConfig } from './test-support';
import { initRetNetWeights } from './weights';

const config = tinyConfig();
const weights = initRetNetWeights(config, 11, { randomAffine: true });
const TOL = 1e-4;
let model: RetNetModel;

beforeAll(async () => {
  model = await RetNetModel.create(config, weights, { device: 'cpu', intraOpThreads: 1, chunkSize: 16, log: () => {} });
});
afterAll(async () => {
  await model.dispose();
});

describe('RetNetModel', () => {
  it('reports the port fields and a state size independent of length', () => {
    expect(model.vocabSize).toBe(300);
    expect(model.maxSeqLen).toBe(512);
    expect(model.provider).toBe('cpu');
    expect(model.stateBytesPerSequence).toBe(2 * 4 * 8 * 17 * 4); // L · H · d_k · (d_v+1) · 4 bytes
  });

  it('prefills with the parallel and the chunkwise form to the same logits, state and position', async () => {
    const tokens = randomTokens(45, 300, 1); // 45 = 2 chunks of 16 + 13
    const par = await model.prefillWith('parallel', tokens);
    const chk = await model.prefillWith('chunkwise', tokens);
    expect(par.logits).toHaveLength(300);
    expect(par.position).toBe(45);
    expect(chk.position).toBe(45);
    expect(maxAbsDiff(par.logits, chk.logits)).toBeLessThanOrEqual(TOL);
    for (let l = 0; l < 2; l++) {
      expect(maxAbsDiff(par.state.layers[l] as Float32Array, chk.state.layers[l] as Float32Array)).toBeLessThan(1e-3);
    }
  });

  it('continues a prefill from a cached state exactly like one longer prefill', async () => {
    const tokens = randomTokens(30, 300, 2);
    const whole = await model.prefill(tokens);
    const head = await model.prefill(tokens.slice(0, 12));
    const rest = await model.prefill(tokens.slice(12), { state: head.state, position: head.position });
    expect(rest.position).toBe(30);
    expect(maxAbsDiff(whole.logits, rest.logits)).toBeLessThanOrEqual(TOL);
  });

  it('decodes a batch of sequences at different positions exactly like each sequence alone', async () => {
    const prompts = [randomTokens(3, 300, 3), randomTokens(20, 300, 4), randomTokens(9, 300, 5)];
    const prefilled = await Promise.all(prompts.map((p) => model.prefill(p)));
    const next = [7, 150, 299];
    const alone = await Promise.all(
      prefilled.map((p, b) => model.decodeStep([next[b] as number], [p.position], p.state)),
    );
    const batch = await model.decodeStep(
      next,
      prefilled.map((p) => p.position),
      model.stackStates(prefilled.map((p) => p.state)),
    );
    expect(batch.state.batchSize).toBe(3);
    const split = model.splitState(batch.state);
    for (let b = 0; b < 3; b++) {
      const one = alone[b] as { logits: Float32Array; state: { layers: readonly Float32Array[] } };
      expect(maxAbsDiff(batch.logits.subarray(b * 300, (b + 1) * 300), one.logits)).toBeLessThanOrEqual(TOL);
      expect(maxAbsDiff(split[b]?.layers[1] ?? [], one.state.layers[1] as Float32Array)).toBeLessThanOrEqual(TOL);
    }
  });

  it('decodes the next token like a prefill that includes it', async () => {
    const tokens = randomTokens(10, 300, 6);
    const pre = await model.prefill(tokens.slice(0, 9));
    const step = await model.decodeStep([tokens[9] as number], [pre.position], pre.state);
    const full = await model.prefill(tokens);
    expect(maxAbsDiff(step.logits, full.logits)).toBeLessThanOrEqual(TOL);
  });

  it('loads a saved model folder into the same logits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nf-model-'));
    try {
      await saveModel(dir, { config, weights });
      const loaded = await RetNetModel.load(dir, { device: 'cpu', intraOpThreads: 1, log: () => {} });
      const tokens = randomTokens(5, 300, 8);
      expect(maxAbsDiff((await loaded.prefill(tokens)).logits, (await model.prefill(tokens)).logits)).toBe(0);
      await loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stackStates and splitState are inverses', async () => {
    const a = (await model.prefill([1, 2, 3])).state;
    const b = (await model.prefill([4, 5])).state;
    const [a2, b2] = model.splitState(model.stackStates([a, b]));
    expect(Array.from(a2?.layers[0] ?? [])).toEqual(Array.from(a.layers[0] ?? []));
    expect(Array.from(b2?.layers[1] ?? [])).toEqual(Array.from(b.layers[1] ?? []));
  });

  it('rejects out-of-vocabulary tokens, contexts beyond max_seq_len and mismatched batches', async () => {
    await expect(model.prefill([300])).rejects.toThrow(/token id 300 is outside the vocabulary/);
    await expect(model.prefill([])).rejects.toThrow(/at least one token/);
    const { state } = await model.prefill([1]);
    await expect(model.decodeStep([1], [512], state)).rejects.toThrow(/exceeds max_seq_len 512/);
    await expect(model.decodeStep([1, 2], [1, 1], state)).rejects.toThrow(/2 tokens, 2 positions, state batch 1/);
  });
});
