import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, REPO_ROOT } from '../testing';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe('a service whose launcher is killed', () => {
  let servicePid = 0;

  beforeAll(() => ensureBuilt('auth'), 120_000);
  afterAll(() => {
    if (servicePid && alive(servicePid)) process.kill(servicePid, 'SIGKILL');
  });

  it('shuts itself down instead of running on as an orphan', async () => {
    const [grpc, metrics] = [await freePort(), await freePort()];
    // A shell stands in for `npm start` or a test worker: it starts the service, then is killed with SIGKILL.
    const launcher = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${join(REPO_ROOT, 'services/auth/dist/main.js')}" & echo $!; wait`],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NEUROFORGE_SERVICES__AUTH__GRPC_PORT: String(grpc),
          NEUROFORGE_SERVICES__AUTH__HTTP_PORT: String(metrics),
          NEUROFORGE_SERVICES__AUTH__METRICS_PORT: String(metrics),
        },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    servicePid = await new Promise<number>((resolve) =>
      launcher.stdout?.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString(), 10))),
    );
    const live = await until(async () => {
      const response = await fetch(`http://127.0.0.1:${metrics}/health/live`).catch(() => undefined);
      return response?.status === 200;
    }, 30_000);
    expect(live).toBe(true);

    launcher.kill('SIGKILL');
    expect(await until(() => !alive(servicePid), 15_000)).toBe(true);
  }, 60_000);
});
