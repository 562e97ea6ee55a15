import { describe, expect, it } from 'vitest';
import {
  metricsText,
  observeRequest,
  outcomeOf,
  recordRequest,
  startDefaultMetrics,
  startRequestTimer,
} from './metrics';

// Label values unique to this file, so assertions cannot be satisfied by another test's samples.
const route = `/neuroforge.test.v1.Probe/Ping-${process.pid}-${Date.now()}`;

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('RED metrics', () => {
  it('counts requests and observes latency by transport, route and outcome', async () => {
    recordRequest({ transport: 'grpc', route, outcome: 'OK', durationSeconds: 0.003 });
    recordRequest({ transport: 'grpc', route, outcome: 'OK', durationSeconds: 0.2 });
    recordRequest({ transport: 'grpc', route, outcome: 'MODELS.NOT_FOUND', durationSeconds: 0.001 });
    const text = await metricsText();
    expect(text).toContain('# TYPE neuroforge_requests_total counter');
    expect(text).toContain('# TYPE neuroforge_request_duration_seconds histogram');
    expect(sample(text, 'neuroforge_requests_total', { transport: 'grpc', route, outcome: 'OK' })).toBe(2);
    expect(sample(text, 'neuroforge_requests_total', { route, outcome: 'MODELS.NOT_FOUND' })).toBe(1);
    expect(sample(text, 'neuroforge_request_duration_seconds_count', { route, outcome: 'OK' })).toBe(2);
    expect(sample(text, 'neuroforge_request_duration_seconds_bucket', { route, outcome: 'OK', le: '0.005' })).toBe(1);
    expect(sample(text, 'neuroforge_request_duration_seconds_sum', { route, outcome: 'OK' })).toBeCloseTo(0.203, 6);
  });

  it('observeRequest records OK, or the error code and rethrows', async () => {
    const r = `${route}-observe`;
    await expect(observeRequest({ transport: 'http', route: r }, async () => 42)).resolves.toBe(42);
    const failure = Object.assign(new Error('no such model'), { code: 'MODELS.NOT_FOUND' });
    await expect(
      observeRequest({ transport: 'http', route: r }, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const text = await metricsText();
    expect(sample(text, 'neuroforge_requests_total', { transport: 'http', route: r, outcome: 'OK' })).toBe(1);
    expect(sample(text, 'neuroforge_requests_total', { route: r, outcome: 'MODELS.NOT_FOUND' })).toBe(1);
  });

  it('a timer records once, with the measured duration', async () => {
    const r = `${route}-timer`;
    const end = startRequestTimer({ transport: 'kafka', route: r });
    await new Promise((resolve) => setTimeout(resolve, 20));
    end('OK');
    end('OK');
    const text = await metricsText();
    expect(sample(text, 'neuroforge_requests_total', { transport: 'kafka', route: r })).toBe(1);
    expect(sample(text, 'neuroforge_request_duration_seconds_sum', { route: r })).toBeGreaterThanOrEqual(0.015);
  });

  it('outcome labels stay a small set: stable codes pass, anything else is INTERNAL', () => {
    expect(outcomeOf(undefined)).toBe('OK');
    expect(outcomeOf({ code: 'AUTH.TOKEN_EXPIRED' })).toBe('AUTH.TOKEN_EXPIRED');
    expect(outcomeOf({ code: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
    expect(outcomeOf({ code: 'user 42 not found' })).toBe('INTERNAL');
    expect(outcomeOf({ code: 5 })).toBe('INTERNAL');
    expect(outcomeOf(new Error('boom'))).toBe('INTERNAL');
  });
});

describe('default process metrics', () => {
  it('are exported once, however often they are started', async () => {
    startDefaultMetrics();
    startDefaultMetrics();
    const text = await metricsText();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text.match(/^# TYPE process_cpu_user_seconds_total/gm)).toHaveLength(1);
  });
});
