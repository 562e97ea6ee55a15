// Services as child processes for the benchmark (the service kit's test helpers import vitest, so not those).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

// USER_HZ: Linux reports /proc CPU times in 1/100 s on every mainstream architecture.
const CLOCK_TICKS_PER_S = 100;

export const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * The built entry point a service runs from. BENCH_GATEWAY_MAIN=<main.js> runs another build of the gateway (say,
 * an older commit's, compiled under .stack/) against the same auth and inference, for a before/after comparison.
 */
export function entryOf(name: string): string {
  if (name === 'gateway' && process.env.BENCH_GATEWAY_MAIN) return resolve(process.env.BENCH_GATEWAY_MAIN);
  return join(REPO_ROOT, 'services', name, 'dist/main.js');
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** Builds a service and what it references (incremental). */
export function build(service: string): void {
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-b', `services/${service}/tsconfig.app.json`], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

export class Service {
  private readonly output: string[] = [];
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    readonly grpcPort: number,
    readonly httpPort: number,
    readonly metricsPort: number,
    env: Record<string, string>,
  ) {
    const key = name.toUpperCase().replace(/-/g, '_');
    // BENCH_CPU_PROF=<dir> profiles the gateway (V8 .cpuprofile written when it exits on SIGTERM).
    const profile =
      name === 'gateway' && process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [];
    this.child = spawn(process.execPath, [...profile, entryOf(name)], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        [`NEUROFORGE_SERVICES__${key}__GRPC_PORT`]: String(grpcPort),
        [`NEUROFORGE_SERVICES__${key}__HTTP_PORT`]: String(httpPort),
        [`NEUROFORGE_SERVICES__${key}__METRICS_PORT`]: String(metricsPort),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => this.output.push(c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => this.output.push(c.toString()));
  }

  static async start(name: string, env: Record<string, string>): Promise<Service> {
    const metrics = await freePort();
    if (name === 'gateway') return new Service(name, 0, await freePort(), metrics, env);
    return new Service(name, await freePort(), metrics, metrics, env);
  }

  /** CPU seconds (user + system) the process has used so far, from /proc (Linux); undefined elsewhere. */
  cpuSeconds(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
    } catch {
      return undefined;
    }
  }

  async waitForReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited:\n${this.output.join('').slice(-3000)}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.metricsPort}/health/ready`, {
          signal: AbortSignal.timeout(2000),
        });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ready in ${timeoutMs} ms:\n${this.output.join('').slice(-3000)}`);
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((done) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      this.child.kill('SIGTERM');
    });
  }
}
