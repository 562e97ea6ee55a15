// A Mixture-of-Experts RetNet over gRPC: it generates what the engine generates, Info calls it MOE_RETNET, and
// the per-expert load reaches Prometheus as neuroforge_moe_expert_tokens_total{model,layer,expert}: every token a
// graph processes (the prompt at prefill, one per sequence per decode step) adds top_k to its layer's experts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenizer, generate, RetNetModel } from '@neuroforge/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedy, type InferenceHarness, schedulerOf, startInference } from './inference-fixture';
import { MOE, writeMoeModel } from './model-folders';

let h: InferenceHarness;
let root: string;
let moeDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nf-inference-moe-'));
  moeDir = await writeMoeModel(join(root, 'moe-1'), 41);
  h = await startInference({}, { models: { 'moe:1': moeDir } });
}, 90_000);

afterAll(async () => {
  await h?.close();
  await rm(root, { recursive: true, force: true });
});

/** expert tokens per layer and expert of model `moe`, from /metrics. */
async function expertTokens(): Promise<number[][]> {
  const counts = Array.from({ length: MOE.num_layers }, () => new Array<number>(MOE.num_experts).fill(0));
  const pattern = /^neuroforge_moe_expert_tokens_total\{([^}]*)\} (\S+)$/;
  for (const line of (await h.metrics()).split('\n')) {
    const m = pattern.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[1] as string).matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k as string, v as string]),
    );
    if (labels.model !== 'moe') continue;
    (counts[Number(labels.layer)] as number[])[Number(labels.expert)] = Number(m[2]);
  }
  return counts;
}

const sum = (row: readonly number[]) => row.reduce((a, b) => a + b, 0);

describe('MoE model over gRPC', () => {
  it('generates what the engine generates, and counts tokens·top_k per layer of expert load', async () => {
    const engine = await RetNetModel.load(moeDir, { device: 'cpu', intraOpThreads: 1, log: () => {} });
    const reference = await generate(engine, await createTokenizer('byte'), 'Mixture of experts', {
      maxNewTokens: 9,
      temperature: 0,
    });
    await engine.dispose();

    await h.client.generate({ model: 'moe', prompt: 'warm up', parameters: greedy(2) }); // loads the model
    const before = await expertTokens();
    const response = await h.client.generate({ model: 'moe', prompt: 'Mixture of experts', parameters: greedy(9) });
    expect(response.cache).toBe('miss');
    expect(response.model).toMatchObject({ name: 'moe', version: 1 });
    expect([...response.tokenIds]).toEqual([...reference.tokenIds]);

    // The prompt's tokens at prefill, then one decode step per generated token after the first.
    const processed = response.promptTokens + response.tokenIds.length - 1;
    const after = await expertTokens();
    for (let layer = 0; layer < MOE.num_layers; layer++) {
      expect(sum(after[layer] as number[]) - sum(before[layer] as number[])).toBe(processed * MOE.top_k);
    }
    // More than one expert received tokens (the router spreads them).
    expect((after[0] as number[]).filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('counts every sequence of a batched decode step', async () => {
    const before = await expertTokens();
    const sizes: number[] = [];
    const stop = schedulerOf(h.serving, 'moe').observe((e) => e.type === 'step' && sizes.push(e.batchSize));
    const responses = await Promise.all(
      [0, 1, 2, 3].map((i) => h.client.generate({ model: 'moe', prompt: `Batch ${i} here`, parameters: greedy(6) })),
    );
    stop();
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    const processed = responses.reduce((n, r) => n + r.promptTokens + r.tokenIds.length - 1, 0);
    const after = await expertTokens();
    for (let layer = 0; layer < MOE.num_layers; layer++) {
      expect(sum(after[layer] as number[]) - sum(before[layer] as number[])).toBe(processed * MOE.top_k);
    }
  });

  it('reports MOE_RETNET in Info and has no expert series for a dense model', async () => {
    const info = await h.client.info();
    expect(info.models.find((m) => m.name === 'moe')?.architecture).toBe('ARCHITECTURE_MOE_RETNET');
    expect(info.models.find((m) => m.name === 'tiny')?.architecture).toBe('ARCHITECTURE_RETNET');
    await h.client.generate({ model: 'tiny', prompt: 'dense', parameters: greedy(3) });
    expect(await h.metrics()).not.toMatch(/neuroforge_moe_expert_tokens_total\{[^}]*model="tiny"/);
  });
});
