// The encoder is the parallel form with a pooling head: its hidden states are the ones the language-model head
// reads, a right-padded batch gives each text the vector it gets alone, and vectors are masked means (unit norm
// when asked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRetNetGraph, prepareRetNet } from '../retnet/graph';
import { cpuSession, floatData, maxAbsDiff, randomTokens, tinyConfig } from '../retnet/test-support';
import { initRetNetWeights } from '../retnet/weights';
import { int64 } from '../runtime/session';
import { getWeight } from '../weights/tensor';
import { RetNetEncoder } from './encoder';

const config = tinyConfig({ vocab_size: 259 });
const weights = initRetNetWeights(config, 3, { randomAffine: true });
const d = config.embed_dim;
let encoder: RetNetEncoder;

beforeAll(async () => {
  encoder = await RetNetEncoder.create(config, weights, { device: 'cpu', intraOpThreads: 1, log: () => {} });
});

afterAll(async () => {
  await encoder.dispose();
});

/** Hidden states [B, S, d] from a head that outputs them as they are. */
async function hiddenStates(tokens: number[], B: number, S: number): Promise<Float32Array> {
  const bytes = buildRetNetGraph(prepareRetNet(config, weights), 'parallel', {
    head: (g, hidden) => {
      g.output(hidden, 'hidden', 'float32', ['batch', 'seq', d]);
    },
  });
  const session = await cpuSession(bytes);
  try {
    return floatData((await session.run({ tokens: int64(tokens, [B, S]) })).hidden);
  } finally {
    await session.dispose();
  }
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('RetNet encoder', () => {
  it('exposes the hidden states the language-model head reads (hidden · lm_head = logits)', async () => {
    const T = 9;
    const tokens = randomTokens(T, config.vocab_size, 5);
    const hidden = await hiddenStates(tokens, 1, T); // [1, T, d]
    const parallel = await cpuSession(buildRetNetGraph(prepareRetNet(config, weights), 'parallel'));
    const logits = floatData((await parallel.run({ tokens: int64(tokens, [1, T]) })).logits); // [1, T, V]
    await parallel.dispose();
    const lmHead = getWeight(weights, 'lm_head.weight'); // [V, d]
    const V = config.vocab_size;
    const fromHidden = new Float32Array(T * V);
    for (let t = 0; t < T; t++) {
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (hidden[t * d + k] as number) * (lmHead[v * d + k] as number);
        fromHidden[t * V + v] = s;
      }
    }
    expect(maxAbsDiff(fromHidden, logits)).toBeLessThan(1e-4);
  });

  it('pools the masked mean of the hidden states over real tokens', async () => {
    const ids = randomTokens(6, 256, 9);
    const hidden = await hiddenStates(ids, 1, ids.length);
    const mean = new Float32Array(d);
    for (let t = 0; t < ids.length; t++) for (let k = 0; k < d; k++) mean[k] += (hidden[t * d + k] as number) / 6;
    const [pooled] = await encoder.embedTokens([ids], { normalize: false });
    expect(maxAbsDiff(pooled as Float32Array, mean)).toBeLessThan(1e-5);
    const [unit] = await encoder.embedTokens([ids]);
    expect(norm(unit as Float32Array)).toBeCloseTo(1, 5);
    expect(
      maxAbsDiff(
        unit as Float32Array,
        mean.map((x) => x / norm(mean)),
      ),
    ).toBeLessThan(1e-5);
  });

  it('gives each text of a right-padded batch the vector it gets alone', async () => {
    const texts = ['a', 'hello world', 'RetNet reads left to right, so padding after a text changes nothing.', 'xyz'];
    const batch = await encoder.embed(texts);
    expect(batch.vectors).toHaveLength(4);
    expect(batch.tokens).toBe(texts.reduce((n, t) => n + Buffer.byteLength(t), 0));
    for (const [i, text] of texts.entries()) {
      const alone = (await encoder.embed([text])).vectors[0] as Float32Array;
      expect(maxAbsDiff(batch.vectors[i] as Float32Array, alone)).toBeLessThan(1e-5);
    }
    // Different texts give different vectors (the test above would pass trivially otherwise).
    expect(maxAbsDiff(batch.vectors[0] as Float32Array, batch.vectors[1] as Float32Array)).toBeGreaterThan(1e-3);
  });

  it('splits large inputs into micro-batches (by rows and by padded tokens) without changing the vectors', async () => {
    const small = await RetNetEncoder.create(config, weights, {
      device: 'cpu',
      intraOpThreads: 1,
      microBatchSize: 3,
      maxBatchTokens: 40,
      log: () => {},
    });
    const texts = Array.from({ length: 8 }, (_, i) => `text number ${i} ${'x'.repeat(i * 3)}`);
    const a = await small.embed(texts);
    const b = await encoder.embed(texts);
    await small.dispose();
    for (let i = 0; i < texts.length; i++) {
      expect(maxAbsDiff(a.vectors[i] as Float32Array, b.vectors[i] as Float32Array)).toBeLessThan(1e-5);
    }
  });

  it('rejects an empty text and cuts texts longer than maxTokens', async () => {
    await expect(encoder.embed(['ok', ''])).rejects.toThrow(/text 1 is empty/);
    const short = await RetNetEncoder.create(config, weights, {
      device: 'cpu',
      intraOpThreads: 1,
      maxTokens: 4,
      log: () => {},
    });
    const cut = await short.embed(['abcdefgh', 'abcd']);
    await short.dispose();
    expect(cut.truncated).toBe(1);
    expect(cut.tokens).toBe(8);
    expect(maxAbsDiff(cut.vectors[0] as Float32Array, cut.vectors[1] as Float32Array)).toBeLessThan(1e-6);
  });

  it('returns one vector of embed_dim floats per row for any batch and sequence length', async () => {
    const out = await encoder.embedTokens([[1, 2, 3], [4], [5, 6]]);
    expect(out.map((v) => v.length)).toEqual([d, d, d]);
    await expect(encoder.embedTokens([[1, 9999]])).rejects.toThrow(/outside the vocabulary/);
  });
});
