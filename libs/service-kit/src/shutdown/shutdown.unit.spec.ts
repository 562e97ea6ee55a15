import { describe, expect, it } from 'vitest';
import { runShutdown, type ShutdownStep } from './shutdown';

function step(name: string, log: string[], behaviour: 'ok' | 'fail' | 'hang' = 'ok', timeoutMs = 100): ShutdownStep {
  return {
    name,
    timeoutMs,
    run: async () => {
      log.push(`${name}:start`);
      if (behaviour === 'fail') throw new Error(`${name} broke`);
      if (behaviour === 'hang') await new Promise(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`${name}:end`);
    },
  };
}

describe('runShutdown', () => {
  it('runs the steps strictly in order, each finishing before the next starts', async () => {
    const log: string[] = [];
    await runShutdown([step('not-ready', log), step('drain', log), step('close', log)]);
    expect(log).toEqual(['not-ready:start', 'not-ready:end', 'drain:start', 'drain:end', 'close:start', 'close:end']);
  });

  it('keeps going after a failing step and reports the failure', async () => {
    const log: string[] = [];
    const outcomes = await runShutdown([step('drain', log, 'fail'), step('flush', log)]);
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['drain', false],
      ['flush', true],
    ]);
    expect(outcomes[0]?.error).toBe('drain broke');
    expect(log).toContain('flush:end');
  });

  it('bounds a hanging step by its timeout and still runs the rest', async () => {
    const log: string[] = [];
    const started = performance.now();
    const outcomes = await runShutdown([step('drain', log, 'hang', 30), step('flush', log)]);
    expect(performance.now() - started).toBeLessThan(500);
    expect(outcomes[0]).toMatchObject({
      name: 'drain',
      ok: false,
      error: 'shutdown step drain did not answer within 30 ms',
    });
    expect(outcomes[1]).toMatchObject({ name: 'flush', ok: true });
  });

  it('reports each outcome as it happens', async () => {
    const seen: string[] = [];
    await runShutdown([step('a', []), step('b', [])], (o) => seen.push(o.name));
    expect(seen).toEqual(['a', 'b']);
  });
});
