import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@neuroforge/config';
import { ensureBuilt, freePort, REPO_ROOT } from '@neuroforge/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Every service on fresh ports, so this runs next to a developer's `npm start`. */
async function privatePorts(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const name of SERVICE_NAMES) {
    const prefix = `NEUROFORGE_SERVICES__${name.toUpperCase().replace(/-/g, '_')}__`;
    const metrics = await freePort();
    env[`${prefix}GRPC_PORT`] = name === 'gateway' ? '0' : String(await freePort());
    env[`${prefix}HTTP_PORT`] = name === 'gateway' ? String(await freePort()) : String(metrics);
    env[`${prefix}METRICS_PORT`] = String(metrics);
  }
  return env;
}

/** `node infra/scripts/services.mjs` (the part of `npm start` after the stack and the build). */
class Runner {
  output = '';
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'infra/scripts/services.mjs')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.output += chunk.toString();
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
  async waitFor(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      if (this.child.exitCode !== null) throw new Error(`exited ${this.child.exitCode}:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('npm start runs the six services', () => {
  const logs = mkdtempSync(join(tmpdir(), 'nf-start-logs-'));

  beforeAll(() => {
    ensureBuilt(...SERVICE_NAMES);
  }, 120_000);

  afterAll(() => rmSync(logs, { recursive: true, force: true }));

  it('waits for every service to be ready, prints the URLs, and stops them all with exit 0 on SIGINT', async () => {
    const env = await privatePorts();
    const runner = new Runner({ ...env, NF_LOGS_DIR: logs });
    try {
      await runner.waitFor('NeuroForge is up', 60_000);
      for (const name of SERVICE_NAMES) expect(runner.output).toContain(`[neuroforge] ${name} ready`);
      expect(runner.output).toContain(`http://127.0.0.1:${env.NEUROFORGE_SERVICES__GATEWAY__HTTP_PORT}`);
      expect(runner.output).toContain(`127.0.0.1:${env.NEUROFORGE_SERVICES__AUTH__GRPC_PORT}`);
      expect(runner.output).toContain('http://127.0.0.1:16686');
      expect(runner.output).toMatch(/^auth\s+\| /m);
      expect(readFileSync(join(logs, 'auth.log'), 'utf8')).toContain('"msg":"started"');

      runner.child.kill('SIGINT');
      expect(await runner.exited).toBe(0);
      for (const name of SERVICE_NAMES) expect(runner.output).toContain(`[neuroforge] ${name} stopped (exit 0)`);
      expect(runner.output).toContain('npm run stack:down');
    } finally {
      runner.child.kill('SIGKILL');
    }
  }, 90_000);

  it('exits 1 and prints the log tail of a service that does not become ready', async () => {
    const env = await privatePorts();
    const runner = new Runner({
      ...env,
      NF_LOGS_DIR: logs,
      NF_READY_TIMEOUT_S: '30',
      // Nothing listens on port 1: embeddings (the one service that needs PostgreSQL) can never be ready.
      NEUROFORGE_STACK__POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/neuroforge',
    });
    try {
      expect(await runner.exited).toBe(1);
      // Not ready in time, or exited because it could not connect at start-up: either way its log tail is shown.
      expect(runner.output).toMatch(/\[neuroforge\] embeddings (not ready after 30s|exited unexpectedly)/);
      expect(runner.output).toContain(`last lines of ${join(logs, 'embeddings.log')}`);
      expect(runner.output).toContain('ECONNREFUSED 127.0.0.1:1');
      expect(runner.output).toMatch(/\[neuroforge\] (startup failed|embeddings exited): stopping the services/);
    } finally {
      runner.child.kill('SIGKILL');
    }
  }, 90_000);
});
