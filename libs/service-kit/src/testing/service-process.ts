import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { ServiceName } from '@neuroforge/config';

/** The repository root (this file is libs/service-kit/src/testing/ or its dist/ twin, four levels down). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** A TCP port that was free a moment ago on 127.0.0.1. */
/** Ports this process has handed out: the OS may give a just-closed port to the next bind at once. */
const handedOut = new Set<number>();

/** A port nothing listens on now, never the same twice in one process (callers bind it later). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: the OS kept answering ports already handed out');
}

/**
 * Builds the services' dist/ and the libraries they reference, in one incremental `tsc -b` serialised with a lock
 * so parallel test files do not write the same outputs at once. Type errors still emit JavaScript and are the
 * typecheck's to report, so they only fail the test when a service's dist/main.js did not come out of the build.
 */
export function ensureBuilt(...names: ServiceName[]): void {
  mkdirSync(join(REPO_ROOT, '.stack'), { recursive: true });
  const tsc = join(REPO_ROOT, 'node_modules/.bin/tsc');
  const projects = names.map((name) => join('services', name, 'tsconfig.app.json'));
  try {
    execFileSync('flock', [join(REPO_ROOT, '.stack/build.lock'), tsc, '-b', ...projects], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    const missing = names.filter((name) => !existsSync(join(REPO_ROOT, 'services', name, 'dist/main.js')));
    if (missing.length > 0) throw new Error(`tsc -b produced no dist/main.js for ${missing.join(', ')}:\n${output}`);
    console.warn(`tsc -b ${projects.join(' ')} reported errors (testing the JavaScript it emitted):\n${output}`);
  }
}

/** `NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT` and friends for one service. */
function portEnv(name: ServiceName, ports: ServicePorts): Record<string, string> {
  const prefix = `NEUROFORGE_SERVICES__${name.toUpperCase().replace(/-/g, '_')}__`;
  return {
    [`${prefix}GRPC_PORT`]: String(ports.grpc),
    [`${prefix}HTTP_PORT`]: String(ports.http),
    [`${prefix}METRICS_PORT`]: String(ports.metrics),
  };
}

export interface ServicePorts {
  /** 0 for the gateway, which serves no gRPC. */
  grpc: number;
  http: number;
  metrics: number;
}

/** One service running from its built dist/main.js on private ports, with its output captured. */
export class ServiceProcess {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  private constructor(
    readonly name: ServiceName,
    readonly ports: ServicePorts,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'dist/main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, NEUROFORGE_SYSTEM__LOG_LEVEL: 'info', ...portEnv(name, ports), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((done) => this.child.once('exit', (code) => done(code)));
  }

  /** Starts `name` on fresh free ports (the gateway gets an HTTP port and no gRPC port). */
  static async start(name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const metrics = await freePort();
    const ports: ServicePorts =
      name === 'gateway'
        ? { grpc: 0, http: await freePort(), metrics }
        : { grpc: await freePort(), http: metrics, metrics };
    return new ServiceProcess(name, ports, env);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.ports.grpc}`;
  }

  url(path: string, port = this.ports.metrics): string {
    return `http://127.0.0.1:${port}${path}`;
  }

  /** Polls `/health/ready` until it answers `expected` (200 or 503), or fails with the process's output. */
  async waitForReady(expected = 200, timeoutMs = 20_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited ${this.child.exitCode}:\n${this.logs()}`);
      try {
        const response = await fetch(this.url('/health/ready'), { signal: AbortSignal.timeout(3000) });
        const body = await response.json();
        if (response.status === expected) return body;
        last = `${response.status} ${JSON.stringify(body)}`;
      } catch (error) {
        last = String(error);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `${this.name} did not answer ${expected} on /health/ready in ${timeoutMs} ms (last: ${last}):\n${this.logs()}`,
    );
  }

  /** Sends `signal` and resolves with the exit code; kills the process if it outlives `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    if (this.child.exitCode !== null) return { code: this.child.exitCode, ms: 0 };
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, ms: Date.now() - started };
  }

  logs(): string {
    return this.output.join('').slice(-4000);
  }
}
