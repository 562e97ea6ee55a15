// Continuous batching through gRPC: concurrent greedy requests give exactly their solo output, the batch gauge
// and histogram show real batching, a full queue answers RESOURCE_EXHAUSTED with a retry hint, and a client that
// drops its stream leaves the batch at the next step.
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchedulerEvent } from '../src/application/batch-scheduler';
import { type CallError, greedy, type InferenceHarness, schedulerOf, startInference } from './inference-fixture';

let h: InferenceHarness;

beforeAll(async () => {
  h = await startInference({
    NEUROFORGE_INFERENCE__MAX_BATCH_SIZE: '16',
    NEUROFORGE_INFERENCE__MAX_QUEUE: '4',
    NEUROFORGE_INFERENCE__BATCH_WAIT_MS: '5',
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const prompts = Array.from({ length: 16 }, (_, i) => `Request number ${i}: ${'xyz'.repeat(1 + (i % 5))}`);

function batchSteps(text: string): { total: number; single: number } {
  const count = (le: string) =>
    Number(
      new RegExp(`neuroforge_inference_decode_batch_size_bucket\\{le="${le}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0,
    );
  return { total: count('\\+Inf'), single: count('1') };
}

describe('continuous batching', () => {
  it('gives 16 concurrent greedy requests exactly what each gives alone, decoding them in shared steps', async () => {
    const params = (i: number) => greedy(6 + i);
    const alone: number[][] = [];
    for (const [i, prompt] of prompts.entries()) {
      alone.push((await h.client.generate({ prompt, parameters: params(i) })).tokenIds);
    }
    await h.clearResponseCache(); // so the concurrent round really runs
    const before = batchSteps(await h.metrics());
    const sizes: number[] = [];
    const stop = schedulerOf(h.serving).observe((e) => e.type === 'step' && sizes.push(e.batchSize));
    const together = await Promise.all(
      prompts.map((prompt, i) =>
        h.client.stream({ prompt, parameters: params(i) }).done.then((m) => m.flatMap((x) => x.token?.tokenIds ?? [])),
      ),
    );
    stop();
    expect(together).toEqual(alone);
    expect(Math.max(...sizes)).toBeGreaterThan(8);
    // The batch-size histogram saw steps with more than one sequence.
    const after = batchSteps(await h.metrics());
    expect(after.total - before.total - (after.single - before.single)).toBeGreaterThan(0);
  });

  it('refuses requests beyond max_batch_size + max_queue with RESOURCE_EXHAUSTED and retry-after-ms', async () => {
    const long = Array.from({ length: 20 }, (_, i) =>
      h.client.stream({ prompt: `long ${i}`, parameters: greedy(250, { temperature: 1, seed: String(i) }) }),
    );
    // Wait until the scheduler holds all twenty (16 decoding, 4 waiting).
    const scheduler = schedulerOf(h.serving);
    const deadline = Date.now() + 10_000;
    while (scheduler.inFlight < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(scheduler.inFlight).toBe(20);
    let refused: CallError | undefined;
    try {
      await h.client.generate({ prompt: 'one too many', parameters: greedy(4, { temperature: 1 }) });
    } catch (error) {
      refused = error as CallError;
    }
    expect(refused?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused?.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.OVERLOADED']);
    expect(Number(refused?.metadata.get('retry-after-ms')[0])).toBeGreaterThan(0);
    for (const s of long) s.cancel();
    await Promise.allSettled(long.map((s) => s.done));
    await scheduler.whenIdle();
  });

  it('takes a disconnected streaming client out of the batch at the next step', async () => {
    const scheduler = schedulerOf(h.serving);
    const events: SchedulerEvent[] = [];
    const stop = scheduler.observe((e) => events.push(e));
    const streams = [0, 1, 2, 3].map((i) =>
      h.client.stream({
        prompt: `stay ${i}`,
        requestId: `stay-${i}`,
        parameters: greedy(200, { temperature: 1, seed: '9' }),
      }),
    );
    const deadline = Date.now() + 10_000;
    while (scheduler.runningCount < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    streams[2]?.cancel();
    const cancelSeen = Date.now() + 5000;
    while (!events.some((e) => e.type === 'cancel-requested') && Date.now() < cancelSeen) {
      await new Promise((r) => setTimeout(r, 2));
    }
    // Let two more steps run.
    const at = events.length;
    while (events.slice(at).filter((e) => e.type === 'step').length < 2) await new Promise((r) => setTimeout(r, 2));
    stop();
    const cancelIndex = events.findIndex((e) => e.type === 'cancel-requested');
    expect(cancelIndex).toBeGreaterThanOrEqual(0);
    const before = events
      .slice(0, cancelIndex)
      .filter((e) => e.type === 'step')
      .at(-1);
    const steps = events.slice(cancelIndex + 1).filter((e) => e.type === 'step');
    // The step already running when the cancel arrived may hold it; the next one does not, and is smaller.
    expect(before?.type === 'step' && before.requestIds).toContain('stay-2');
    expect(steps[1]?.type === 'step' && steps[1].requestIds).not.toContain('stay-2');
    expect(steps[1]?.type === 'step' && before?.type === 'step' && steps[1].batchSize < before.batchSize).toBe(true);
    for (const s of streams) s.cancel();
    await Promise.allSettled(streams.map((s) => s.done));
    await scheduler.whenIdle();
  });
});
