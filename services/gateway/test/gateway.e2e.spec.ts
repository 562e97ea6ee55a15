import { ensureBuilt, PrivateRedis, ServiceProcess } from '@neuroforge/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface ReadyBody {
  ready: boolean;
  dependencies: { name: string; ok: boolean; error?: string }[];
  failed?: { name: string; error: string }[];
}

async function readyStatus(url: string): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

/** Polls until `url` answers `status`, returning that answer; fails with the last answer after `timeoutMs`. */
async function eventually(url: string, status: number, timeoutMs = 8000): Promise<ReadyBody> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const answer = await readyStatus(url);
    if (answer.status === status) return answer.body;
    last = answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

describe('gateway service process', () => {
  let redis: PrivateRedis;
  let gateway: ServiceProcess;

  beforeAll(async () => {
    ensureBuilt('gateway');
    // A private Redis, so the test can take it down without touching the shared stack's.
    redis = await PrivateRedis.start();
    gateway = await ServiceProcess.start('gateway', { NEUROFORGE_STACK__REDIS_URL: redis.url });
    await gateway.waitForReady(200);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await redis?.kill();
  });

  it('reports ready on its public HTTP port and on its metrics port', async () => {
    for (const port of [gateway.ports.http, gateway.ports.metrics]) {
      const { status, body } = await readyStatus(gateway.url('/health/ready', port));
      expect(status).toBe(200);
      expect(body.dependencies).toEqual([expect.objectContaining({ name: 'redis', ok: true })]);
    }
    const live = await fetch(gateway.url('/health/live', gateway.ports.http));
    expect(live.status).toBe(200);
  });

  it('answers /api/v1/system/health with the readiness of all six services', async () => {
    const response = await fetch(gateway.url('/api/v1/system/health', gateway.ports.http));
    const body = (await response.json()) as { status: string; services: { name: string; ready: boolean }[] };
    expect(response.status).toBe(200);
    expect(body.services.map((s) => s.name)).toEqual([
      'gateway',
      'auth',
      'model-registry',
      'inference',
      'training',
      'embeddings',
    ]);
    expect(body.services[0]).toMatchObject({ name: 'gateway', ready: true });
    expect(['ok', 'degraded']).toContain(body.status);
  });

  it('turns not ready, naming redis, when Redis goes away, and ready again when it is back', async () => {
    const url = gateway.url('/health/ready');
    await redis.kill();
    const started = Date.now();
    const down = await eventually(url, 503, 5000);
    const noticedMs = Date.now() - started;
    expect(down.failed).toEqual([expect.objectContaining({ name: 'redis' })]);
    expect(down.failed?.[0]?.error).toBeTruthy();
    expect(noticedMs).toBeLessThan(5000);
    const metrics = await (await fetch(gateway.url('/metrics'))).text();
    expect(metrics).toMatch(/^neuroforge_service_ready(\{[^}]*\})? 0$/m);

    await redis.restart();
    const up = await eventually(url, 200, 8000);
    expect(up.ready).toBe(true);
    // Same process throughout: readiness recovered without a restart.
    expect(gateway.running).toBe(true);
  });

  it('exits 0 within a few seconds of SIGTERM', async () => {
    const { code, ms } = await gateway.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
  });
});
