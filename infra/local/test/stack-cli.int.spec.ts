import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const stackScript = resolve(__dirname, '../stack.sh');
const components = ['postgres', 'ferretdb', 'redis', 'kafka', 'jaeger'];

async function stack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [stackScript, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('infra/local/stack.sh', () => {
  it('reports every component up with its port', async () => {
    const status = await stack('status');

    expect(status.code).toBe(0);
    const lines = status.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(components);
    expect(lines.every((line) => line.endsWith(' up'))).toBe(true);
    expect(status.stdout).toMatch(/^kafka\s+9092\s/m);
  }, 60_000);

  it('leaves healthy components alone when brought up again', async () => {
    const started = Date.now();
    const up = await stack('up');

    expect(up.code).toBe(0);
    for (const component of components) expect(up.stderr).toContain(`${component}: already up`);
    expect(up.stderr).not.toContain('started in');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('rejects an unknown command or component', async () => {
    expect((await stack('explode')).code).toBe(2);
    expect((await stack('status', 'mysql')).code).toBe(2);
  }, 30_000);
});
