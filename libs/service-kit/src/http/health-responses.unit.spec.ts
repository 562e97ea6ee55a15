import { describe, expect, it } from 'vitest';
import { liveness, readinessResponse } from './health-responses';

describe('health responses', () => {
  it('answers 200 when ready', () => {
    const response = readinessResponse({
      service: 'auth',
      status: 'ready',
      ready: true,
      dependencies: [{ name: 'redis', ok: true, latency_ms: 1 }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toHaveProperty('failed');
  });

  it('answers 503 naming the failed dependency and why', () => {
    const response = readinessResponse({
      service: 'auth',
      status: 'not_ready',
      ready: false,
      dependencies: [
        { name: 'redis', ok: true, latency_ms: 1 },
        { name: 'kafka', ok: false, latency_ms: 1000, error: 'kafka did not answer within 1000 ms' },
      ],
    });
    expect(response.statusCode).toBe(503);
    expect(response.body).toMatchObject({ failed: [{ name: 'kafka', error: 'kafka did not answer within 1000 ms' }] });
  });

  it('answers live with the service name', () => {
    expect(liveness('auth')).toMatchObject({ statusCode: 200, body: { service: 'auth', status: 'live' } });
  });
});
