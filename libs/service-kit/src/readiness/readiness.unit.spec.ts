import { describe, expect, it } from 'vitest';
import type { DependencyCheck } from './dependency-check';
import { aggregateReadiness, checkDependencies, Readiness } from './readiness';

/** A check whose answer the test sets: ok, a failure with a reason, or never answering. */
class ScriptedCheck implements DependencyCheck {
  calls = 0;
  closed = false;
  constructor(
    readonly name: string,
    public answer: 'ok' | 'hang' | Error = 'ok',
  ) {}
  check(): Promise<void> {
    this.calls += 1;
    if (this.answer === 'ok') return Promise.resolve();
    if (this.answer === 'hang') return new Promise(() => undefined);
    return Promise.reject(this.answer);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('checkDependencies', () => {
  it('reports every dependency ok when all answer', async () => {
    const statuses = await checkDependencies([new ScriptedCheck('redis'), new ScriptedCheck('kafka')], 100);
    expect(statuses.map((s) => [s.name, s.ok])).toEqual([
      ['redis', true],
      ['kafka', true],
    ]);
  });

  it('names the failing dependency and its reason', async () => {
    const statuses = await checkDependencies(
      [new ScriptedCheck('redis'), new ScriptedCheck('mongo', new Error('connect ECONNREFUSED 127.0.0.1:27017'))],
      100,
    );
    expect(statuses[1]).toMatchObject({ name: 'mongo', ok: false, error: 'connect ECONNREFUSED 127.0.0.1:27017' });
  });

  it('bounds a dependency that never answers by the timeout', async () => {
    const started = performance.now();
    const [status] = await checkDependencies([new ScriptedCheck('kafka', 'hang')], 50);
    expect(performance.now() - started).toBeLessThan(500);
    expect(status).toMatchObject({ name: 'kafka', ok: false, error: 'kafka did not answer within 50 ms' });
  });
});

describe('aggregateReadiness', () => {
  it('is ready only when every dependency is ok', () => {
    const ok = { name: 'redis', ok: true, latency_ms: 1 };
    const down = { name: 'kafka', ok: false, latency_ms: 1, error: 'down' };
    expect(aggregateReadiness('auth', [ok], false)).toMatchObject({ ready: true, status: 'ready' });
    expect(aggregateReadiness('auth', [ok, down], false)).toMatchObject({ ready: false, status: 'not_ready' });
  });

  it('is ready with no dependencies at all', () => {
    expect(aggregateReadiness('auth', [], false).ready).toBe(true);
  });

  it('is never ready while shutting down', () => {
    expect(aggregateReadiness('auth', [], true)).toMatchObject({ ready: false, status: 'shutting_down' });
  });
});

describe('Readiness', () => {
  it('shares one run between concurrent callers', async () => {
    const check = new ScriptedCheck('redis');
    const readiness = new Readiness('gateway', [check], { timeoutMs: 100 });
    await Promise.all([readiness.evaluate(), readiness.evaluate(), readiness.evaluate()]);
    expect(check.calls).toBe(1);
  });

  it('tells listeners when readiness changes, and only then', async () => {
    const check = new ScriptedCheck('redis');
    const readiness = new Readiness('gateway', [check], { timeoutMs: 100 });
    const seen: string[] = [];
    readiness.onChange((r) => seen.push(r.status));
    await readiness.evaluate();
    await readiness.evaluate();
    check.answer = new Error('down');
    await readiness.evaluate();
    check.answer = 'ok';
    await readiness.evaluate();
    expect(seen).toEqual(['ready', 'not_ready', 'ready']);
  });

  it('tells a listener that joins late the report already published', async () => {
    const readiness = new Readiness('inference', [new ScriptedCheck('model')], { timeoutMs: 100 });
    await readiness.evaluate();
    const seen: string[] = [];
    readiness.onChange((r) => seen.push(r.status));
    await readiness.evaluate();
    expect(seen).toEqual(['ready']);
  });

  it('reports shutting_down after markShuttingDown, even though dependencies answer', async () => {
    const readiness = new Readiness('gateway', [new ScriptedCheck('redis')], { timeoutMs: 100 });
    await readiness.evaluate();
    readiness.markShuttingDown();
    expect(readiness.current?.status).toBe('shutting_down');
    expect((await readiness.evaluate()).ready).toBe(false);
  });

  it('re-checks in the background and closes every check', async () => {
    const check = new ScriptedCheck('redis');
    const readiness = new Readiness('gateway', [check], { timeoutMs: 100, intervalMs: 10 });
    readiness.startMonitor();
    await new Promise((r) => setTimeout(r, 100));
    await readiness.close();
    expect(check.calls).toBeGreaterThanOrEqual(3);
    expect(check.closed).toBe(true);
  });
});

describe('Readiness.addCheck', () => {
  it('reports a check added after construction and refuses a duplicate name', async () => {
    const readiness = new Readiness('inference', [new ScriptedCheck('kafka')], { timeoutMs: 50 });
    readiness.addCheck(new ScriptedCheck('model', new Error('no model loaded yet')));
    const report = await readiness.evaluate();
    expect(report.ready).toBe(false);
    expect(report.dependencies.map((d) => [d.name, d.ok])).toEqual([
      ['kafka', true],
      ['model', false],
    ]);
    expect(() => readiness.addCheck(new ScriptedCheck('model'))).toThrow(/exists/);
  });
});
