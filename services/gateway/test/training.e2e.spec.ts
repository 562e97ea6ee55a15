import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { call, type ErrorBody, metricValue, register, type Session } from './gateway-client';
import { unique } from './gateway-stack.fixture';
import { startTrainingGatewayStack, type TrainingGatewayStack } from './training-stack.fixture';

// Training through the gateway against a real training service process and its Python worker: tiny byte-level
// RetNet jobs on one torch thread, progress followed over SSE and WebSocket from `neuroforge.training.events`.

let stack: TrainingGatewayStack;
let base: string;
let admin: Session;
let viewer: Session;
let datasetId: string;

const TINY_MODEL = {
  tokenizer: 'byte',
  vocab_size: 259,
  embed_dim: 16,
  num_heads: 2,
  num_layers: 1,
  ffn_dim: 32,
  max_seq_len: 32,
  dropout: 0,
};

function tinyJob(maxSteps: number, training: Record<string, number> = {}) {
  return {
    dataset_id: datasetId,
    model: TINY_MODEL,
    training: {
      batch_size: 2,
      learning_rate: 0.01,
      warmup_steps: 1,
      max_steps: maxSteps,
      checkpoint_every_steps: 50,
      ...training,
    },
  };
}

const corpus = readFileSync(join(__dirname, '../../training/assets/corpus/alice-in-wonderland.txt'), 'utf8').slice(
  0,
  4000,
);

beforeAll(async () => {
  stack = await startTrainingGatewayStack();
  base = stack.url;
  admin = await register(base, stack.adminEmail);
  viewer = await register(base, `${unique('viewer')}@example.com`);
  const dataset = await call<{ dataset_id: string }>(base, 'POST', '/api/v1/training/datasets', {
    token: admin.accessToken,
    body: { name: 'alice', format: 'text', content: corpus },
  });
  if (dataset.status !== 201) throw new Error(`dataset: ${dataset.status} ${JSON.stringify(dataset.body)}`);
  datasetId = dataset.body.dataset_id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

function expectError(answer: { status: number; body: unknown }, status: number, code?: string): ErrorBody['error'] {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  const { error } = answer.body as ErrorBody;
  if (code) expect(error.code).toBe(code);
  return error;
}

async function startJob(maxSteps: number, training: Record<string, number> = {}): Promise<string> {
  const answer = await call<{ job_id: string; state: string }>(base, 'POST', '/api/v1/training/start', {
    token: admin.accessToken,
    body: tinyJob(maxSteps, training),
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  expect(answer.body.state).toBe('queued');
  return answer.body.job_id;
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Opens an SSE stream and yields its events until the server closes it (or `signal` aborts). */
async function* sse(path: string, token: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n').filter((l) => !l.startsWith(':'));
      if (lines.length === 0) continue;
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '{}';
      yield { event, data: JSON.parse(data) };
    }
  }
}

async function collectSse(path: string, token: string): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sse(path, token, AbortSignal.timeout(60_000))) events.push(event);
  return events;
}

async function gatewayMetric(name: string, labels = ''): Promise<number> {
  const text = await (await call(base, 'GET', '/api/v1/system/metrics', { token: viewer.accessToken })).body;
  return metricValue(String(text), name, labels);
}

interface WsClient {
  ws: WebSocket;
  next(pred?: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function openWs(token: string): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chat?token=${encodeURIComponent(token)}`);
    const queue: Record<string, unknown>[] = [];
    const waiters: { pred: (m: Record<string, unknown>) => boolean; done: (m: Record<string, unknown>) => void }[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const i = waiters.findIndex((w) => w.pred(message));
      if (i >= 0) waiters.splice(i, 1)[0]?.done(message);
      else queue.push(message);
    });
    const next = (pred: (m: Record<string, unknown>) => boolean = () => true) =>
      new Promise<Record<string, unknown>>((done, fail) => {
        const i = queue.findIndex(pred);
        if (i >= 0) return done(queue.splice(i, 1)[0] as Record<string, unknown>);
        waiters.push({ pred, done });
        setTimeout(() => fail(new Error('no WebSocket message in time')), 45_000);
      });
    ws.once('open', () => resolve({ ws, next }));
    ws.once('error', reject);
  });
}

describe('training through the gateway', () => {
  it('registers text and JSONL datasets, refusing bad records and oversized content by field', async () => {
    const lines = '{"text":"hello there"}\n{"text":"général kenobi"}\n';
    const jsonl = await call<Record<string, unknown>>(base, 'POST', '/api/v1/training/datasets', {
      token: admin.accessToken,
      body: { name: 'lines', format: 'jsonl', content: lines },
    });
    expect(jsonl.status, JSON.stringify(jsonl.body)).toBe(201);
    expect(jsonl.body).toMatchObject({
      dataset_id: expect.any(String),
      name: 'lines',
      format: 'jsonl',
      sha256: createHash('sha256').update(lines).digest('hex'),
      size_bytes: Buffer.byteLength(lines),
    });
    const badLine = await call(base, 'POST', '/api/v1/training/datasets', {
      token: admin.accessToken,
      body: { name: 'bad', format: 'jsonl', content: '{"text":"ok"}\nnot json\n' },
    });
    const error = expectError(badLine, 400);
    expect(JSON.stringify(error)).toMatch(/line 2/);
    const tooBig = await call(base, 'POST', '/api/v1/training/datasets', {
      token: admin.accessToken,
      body: { name: 'big', format: 'text', content: 'é'.repeat(2_100_000) },
    });
    expect(expectError(tooBig, 400, 'REQUEST.VALIDATION_FAILED').details.fields).toEqual([
      { field: 'content', rule: expect.stringMatching(/bytes/) },
    ]);
  });

  it('streams a job over SSE: its state, progress reports and evaluations, then completed, then closes', async () => {
    const before = await gatewayMetric('neuroforge_gateway_training_events_total', 'job_progress');
    const jobId = await startJob(400, { eval_every_steps: 100 });
    const events = await collectSse(`/api/v1/training/${jobId}/events`, viewer.accessToken);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('state');
    expect(events[0]?.data).toMatchObject({ job_id: jobId, dataset_id: datasetId });
    expect(kinds.at(-1)).toBe('done');
    expect(events.at(-1)?.data).toMatchObject({ job_id: jobId, state: 'completed', finished_at: expect.any(String) });
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ job_id: jobId, max_steps: 400, loss: expect.any(Number) });
    const steps = progress.map((p) => p.step as number);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.at(-1)).toBe(400);
    expect(kinds.indexOf('done')).toBeGreaterThan(kinds.lastIndexOf('progress'));
    // The reports came from the gateway's Kafka consumer, not only from its reconciling reads.
    expect(await gatewayMetric('neuroforge_gateway_training_events_total', 'job_progress')).toBeGreaterThan(before);
    // A held-out evaluation every 100 steps, each once, in order; progress after one shows the latest.
    const evaluations = events.filter((e) => e.event === 'evaluation').map((e) => e.data);
    const evalSteps = evaluations.map((e) => e.step as number);
    expect(evalSteps.every((step) => [100, 200, 300, 400].includes(step))).toBe(true);
    expect(evalSteps).toEqual([...new Set(evalSteps)].sort((a, b) => a - b));
    expect(evalSteps.length).toBeGreaterThanOrEqual(2);
    for (const e of evaluations) expect(e).toMatchObject({ job_id: jobId, eval_loss: expect.any(Number) });
    // The last step's evaluation follows its progress report; the final job (read from the service) has it.
    expect(progress.at(-1)).toMatchObject({ eval_step: expect.any(Number), eval_loss: expect.any(Number) });
    expect(events.at(-1)?.data).toMatchObject({ progress: { eval_step: 400, eval_loss: expect.any(Number) } });
    const status = await call(base, 'GET', `/api/v1/training/${jobId}/status`, { token: viewer.accessToken });
    expect(status.body).toMatchObject({
      state: 'completed',
      progress: { step: 400, max_steps: 400, eval_step: 400, eval_loss: expect.any(Number) },
    });
  }, 60_000);

  it('follows a job over the WebSocket: training_progress messages, then training_done', async () => {
    const jobId = await startJob(300);
    const { ws, next } = await openWs(viewer.accessToken);
    ws.send(JSON.stringify({ type: 'watch_training', id: 'w1', job_id: jobId }));
    const first = await next((m) => m.id === 'w1');
    expect(first).toMatchObject({ type: 'training_progress', id: 'w1', job_id: jobId });
    const reported = await next((m) => m.id === 'w1' && m.type === 'training_progress' && m.progress !== null);
    expect(reported.progress).toMatchObject({ step: expect.any(Number), max_steps: 300, loss: expect.any(Number) });
    const done = await next((m) => m.id === 'w1' && m.type === 'training_done');
    expect(done).toMatchObject({ job_id: jobId, state: 'completed', job: { progress: { step: 300 } } });
    ws.close();
  }, 60_000);

  it('stops a running job through the gateway; its watchers see stopped, and a client that leaves is let go', async () => {
    const jobId = await startJob(100_000);
    const watchers = () => gatewayMetric('neuroforge_gateway_training_watchers');
    // A client that goes away: its watch ends and the gateway stops following for it.
    const leaving = new AbortController();
    const leaver = sse(`/api/v1/training/${jobId}/events`, viewer.accessToken, leaving.signal);
    expect((await leaver.next()).value).toMatchObject({ event: 'state' });
    expect(await watchers()).toBe(1);
    leaving.abort();
    await leaver.return(undefined).catch(() => undefined);
    await expect.poll(watchers, { timeout: 5000 }).toBe(0);

    const stream = sse(`/api/v1/training/${jobId}/events`, viewer.accessToken, AbortSignal.timeout(60_000));
    const seen: SseEvent[] = [];
    for (let e = await stream.next(); !e.done; e = await stream.next()) {
      seen.push(e.value);
      if (e.value.event === 'progress') break;
    }
    const stop = await call(base, 'POST', `/api/v1/training/${jobId}/stop`, {
      token: admin.accessToken,
      body: { reason: 'enough' },
    });
    expect(stop.status, JSON.stringify(stop.body)).toBe(200);
    expect(stop.body).toMatchObject({ job_id: jobId, state: 'stopped' });
    for await (const event of stream) seen.push(event);
    expect(seen.at(-1)).toMatchObject({ event: 'done', data: { state: 'stopped' } });
    const steps = seen.filter((e) => e.event === 'progress').map((e) => e.data.step as number);
    expect(steps.at(-1)).toBeLessThan(100_000);
  }, 60_000);

  it('refuses bad input with 400 naming the field, and unknown jobs and datasets with 404', async () => {
    const wrongType = await call(base, 'POST', '/api/v1/training/start', {
      token: admin.accessToken,
      body: { dataset_id: 5 },
    });
    expect(expectError(wrongType, 400, 'REQUEST.VALIDATION_FAILED').details.fields).toEqual([
      { field: 'dataset_id', rule: expect.any(String) },
    ]);
    // Range checks are the training service's (the config schema's), mapped to the same envelope.
    const outOfRange = await call(base, 'POST', '/api/v1/training/start', {
      token: admin.accessToken,
      body: { ...tinyJob(10), training: { learning_rate: 5 } },
    });
    const rangeError = expectError(outOfRange, 400);
    expect(JSON.stringify(rangeError)).toContain('training.learning_rate');
    const unknownDataset = await call(base, 'POST', '/api/v1/training/start', {
      token: admin.accessToken,
      body: { ...tinyJob(10), dataset_id: 'no-such-dataset' },
    });
    expect(expectError(unknownDataset, 404, 'TRAINING.DATASET_NOT_FOUND').details.fields).toEqual([
      { field: 'dataset_id', rule: expect.any(String) },
    ]);
    const badFormat = await call(base, 'POST', '/api/v1/training/datasets', {
      token: admin.accessToken,
      body: { name: 'x', format: 'csv', content: 'a' },
    });
    expect(expectError(badFormat, 400).details.fields).toEqual([{ field: 'format', rule: expect.any(String) }]);
    const badId = await call(base, 'GET', '/api/v1/training/bad%20id/events', { token: viewer.accessToken });
    expect(expectError(badId, 400).details.fields).toEqual([{ field: 'id', rule: 'must be a job id' }]);
    const unknownJob = await call(base, 'GET', `/api/v1/training/${randomUUID()}/events`, {
      token: viewer.accessToken,
    });
    expectError(unknownJob, 404, 'TRAINING.JOB_NOT_FOUND');

    const { ws, next } = await openWs(viewer.accessToken);
    ws.send(JSON.stringify({ type: 'watch_training', id: 'w0' }));
    const invalid = await next((m) => m.id === 'w0');
    expect(invalid).toMatchObject({
      type: 'error',
      error: { code: 'REQUEST.VALIDATION_FAILED', details: { fields: [{ field: 'job_id' }] } },
    });
    ws.send(JSON.stringify({ type: 'watch_training', id: 'w1', job_id: randomUUID() }));
    expect(await next((m) => m.id === 'w1')).toMatchObject({
      type: 'error',
      error: { code: 'TRAINING.JOB_NOT_FOUND' },
    });
    ws.close();
  }, 30_000);

  it('lets a viewer read and watch jobs but not start, stop or register', async () => {
    const jobs = await call<{ job_id: string }>(base, 'POST', '/api/v1/training/start', {
      token: admin.accessToken,
      body: { ...tinyJob(5), name: 'for-the-viewer' },
    });
    const jobId = jobs.body.job_id;
    const status = await call(base, 'GET', `/api/v1/training/${jobId}/status`, { token: viewer.accessToken });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ job_id: jobId, name: 'for-the-viewer' });
    for (const [path, body] of [
      ['/api/v1/training/start', tinyJob(5)],
      [`/api/v1/training/${jobId}/stop`, {}],
      ['/api/v1/training/datasets', { name: 'v', format: 'text', content: 'hello' }],
    ] as const) {
      const refused = await call(base, 'POST', path, { token: viewer.accessToken, body });
      expect(expectError(refused, 403, 'AUTH.FORBIDDEN').details).toMatchObject({ permission: 'training:write' });
    }
    // The job ends on its own; the viewer's stream follows it to the end.
    const events = await collectSse(`/api/v1/training/${jobId}/events`, viewer.accessToken);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { state: 'completed' } });
  }, 60_000);

  it('refuses every training route and the WebSocket without credentials (401)', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/training/start'],
      ['POST', '/api/v1/training/datasets'],
      ['GET', '/api/v1/training/some-job/status'],
      ['GET', '/api/v1/training/some-job/events'],
      ['POST', '/api/v1/training/some-job/stop'],
    ] as const) {
      const answer = await call(base, method, path, method === 'POST' ? { body: tinyJob(5) } : {});
      expectError(answer, 401, 'AUTH.UNAUTHENTICATED');
    }
    const upgrade = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chat`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(upgrade).toBe(401);
  });
});
