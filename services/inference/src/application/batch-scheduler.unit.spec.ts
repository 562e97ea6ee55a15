import {
  createTokenizer,
  type DecodeState,
  generate,
  initRetNetWeights,
  RetNetModel,
  type Tokenizer,
  validateGenerationParams,
} from '@neuroforge/ml';
import { tinyRetNetConfig } from '@neuroforge/ml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceError } from '../domain/inference-error';
import { BatchScheduler, type PromptStats, type RequestOutcome, type SchedulerEvent } from './batch-scheduler';
import { PrefixStateCache } from './prefix-cache';

// A tiny real RetNet (byte tokenizer) on ORT CPU: the scheduler is tested against the engine itself.
const config = tinyRetNetConfig({ vocab_size: 272, max_seq_len: 1024 });

let model: RetNetModel;
let tokenizer: Tokenizer;

beforeAll(async () => {
  model = await RetNetModel.create(config, initRetNetWeights(config, 7, { randomAffine: true }), {
    device: 'cpu',
    intraOpThreads: 1,
    chunkSize: 64,
    parallelPrefillMax: 32,
    log: () => {},
  });
  tokenizer = await createTokenizer('byte');
});

afterAll(async () => {
  await model.dispose();
});

function scheduler(overrides: Partial<ConstructorParameters<typeof BatchScheduler>[2]> = {}) {
  return new BatchScheduler<DecodeState>(model as never, tokenizer, {
    modelKey: 'tiny:1',
    maxBatchSize: 16,
    maxQueue: 16,
    batchWaitMs: 1,
    blockTokens: 64,
    parallelPrefillMax: 32,
    stateBytes: model.stateBytesPerSequence,
    ...overrides,
  });
}

interface Run {
  outcome: Promise<RequestOutcome>;
  stats: Promise<PromptStats>;
  tokens: number[];
  cancel(): void;
}

function submit(s: BatchScheduler<DecodeState>, id: string, prompt: string, maxNewTokens = 12): Run {
  const tokens: number[] = [];
  let statsResolve: (s: PromptStats) => void = () => {};
  const stats = new Promise<PromptStats>((r) => {
    statsResolve = r;
  });
  let resolve: (o: RequestOutcome) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const outcome = new Promise<RequestOutcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // submit() throws synchronously when the scheduler is full.
  const handle = s.submit({
    id,
    promptTokens: tokenizer.encode(prompt),
    params: validateGenerationParams({ maxNewTokens, temperature: 0 }),
    sink: { prompt: statsResolve, token: (t) => tokens.push(t), end: resolve, fail: reject },
  });
  return { outcome, stats, tokens, cancel: () => handle.cancel() };
}

const prompts = Array.from({ length: 16 }, (_, i) => `request ${i}: ${'abcdefghij'.slice(0, 1 + (i % 10))} ${i * 7}`);

describe('BatchScheduler', () => {
  it('gives each of 16 concurrent greedy requests exactly what it gives alone, in batches larger than one', async () => {
    const alone: string[][] = [];
    for (const [i, prompt] of prompts.entries()) {
      const result = await generate(model, tokenizer, prompt, { maxNewTokens: 4 + i, temperature: 0 });
      alone.push(result.tokenIds.map(String));
    }
    const s = scheduler();
    const sizes: number[] = [];
    s.observe((e) => e.type === 'step' && sizes.push(e.batchSize));
    const runs = prompts.map((p, i) => submit(s, `r${i}`, p, 4 + i));
    const outcomes = await Promise.all(runs.map((r) => r.outcome));
    expect(outcomes.map((o) => o.tokenIds.map(String))).toEqual(alone);
    expect(Math.max(...sizes)).toBe(16);
    // Finished requests left: the last steps run with fewer sequences.
    expect(sizes.at(-1)).toBe(1);
  });

  it('takes a cancelled request out of the batch at the next step', async () => {
    const s = scheduler();
    const events: SchedulerEvent[] = [];
    s.observe((e) => events.push(e));
    const runs = [0, 1, 2].map((i) => submit(s, `c${i}`, prompts[i] as string, 200));
    while (runs[1]?.tokens.length === 0 || (runs[1]?.tokens.length ?? 0) < 3) await new Promise((r) => setImmediate(r));
    runs[1]?.cancel();
    const [, cancelled] = await Promise.all(runs.map((r) => r.outcome));
    expect(cancelled?.finishReason).toBe('cancelled');
    const at = events.findIndex((e) => e.type === 'cancel-requested');
    const after = events.slice(at + 1).filter((e) => e.type === 'step');
    // The step running when the cancel arrived may still hold it; the one after may not.
    expect(after.slice(1).every((e) => e.type === 'step' && !e.requestIds.includes('c1'))).toBe(true);
    expect(after[1]?.type === 'step' && after[1].batchSize).toBe(2);
  });

  it('refuses a request beyond batch + queue with RESOURCE_EXHAUSTED and a retry hint', async () => {
    const s = scheduler({ maxBatchSize: 1, maxQueue: 1 });
    const first = submit(s, 'q1', 'one', 50);
    const second = submit(s, 'q2', 'two', 5);
    let refused: unknown;
    try {
      submit(s, 'q3', 'three', 5);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(InferenceError);
    expect((refused as InferenceError).code).toBe('INFERENCE.OVERLOADED');
    expect(Number((refused as InferenceError).metadata['retry-after-ms'])).toBeGreaterThan(0);
    await Promise.all([first.outcome, second.outcome]);
  });

  it('resumes a prompt from a cached prefix state and generates exactly the cold output', async () => {
    const cache = new PrefixStateCache<DecodeState>(64 * 1024 * 1024);
    const s = scheduler({ prefixCache: cache });
    const system = 'You are a careful assistant. '.repeat(8); // 232 bytes: 3 whole 64-token blocks
    const cold = submit(s, 'p1', `${system}Question one?`, 16);
    expect((await cold.stats).prefixCacheHit).toBe(false);
    const coldOut = await cold.outcome;
    const warm = submit(s, 'p2', `${system}Question one?`, 16);
    const stats = await warm.stats;
    expect(stats.prefixCacheHit).toBe(true);
    expect(stats.cachedTokens).toBe(192);
    expect((await warm.outcome).tokenIds).toEqual(coldOut.tokenIds);
    // A different question after the same system prompt reuses the shared blocks.
    const other = submit(s, 'p3', `${system}Another question entirely?`, 4);
    expect((await other.stats).cachedTokens).toBe(192);
    const reference = await generate(model, tokenizer, `${system}Another question entirely?`, {
      maxNewTokens: 4,
      temperature: 0,
    });
    expect((await other.outcome).tokenIds).toEqual(reference.tokenIds);
  });
});
