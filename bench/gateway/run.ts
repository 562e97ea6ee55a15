// Gateway overhead benchmark: POST /api/v1/generate/text (max_tokens 1) through the gateway against the same
// Generate call made to the inference service over gRPC directly, in one run, at concurrency 1, 16 and 64.
// Everything runs as real processes on loopback: auth and inference (a tiny seeded RetNet from a local folder),
// and the gateway with its full edge (JWT verification, Redis rate limit, validation, error mapping).
// Bounded: WARMUP_S + MEASURE_S seconds per cell (defaults 1 + 5, so about 40 s in all).
//   npm run bench:gateway          (BENCH_MEASURE_S=10 for longer cells; BENCH_GATEWAY_MAIN: see processes.ts)
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadGrpcPackageDefinition } from '@neuroforge/contracts';
import { writeTinyRetNetModel } from '@neuroforge/ml/testing';
import mongoose from 'mongoose';
import { build, entryOf, REPO_ROOT, Service } from './processes';

const CONCURRENCY = [1, 16, 64];
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 5);

interface Cell {
  path: 'gateway' | 'grpc';
  concurrency: number;
  requests: number;
  errors: number;
  throughput_rps: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  /** CPU the gateway process spent per answered request in the measured window (gateway cells only). */
  cpu_ms_per_request?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A closed loop: `concurrency` workers send one request after another until the time is up. */
async function loop(concurrency: number, seconds: number, send: (i: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await send(counter++);
        if (ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  return { latencies, errors, elapsedS: (performance.now() - started) / 1000 };
}

async function measure(
  path: Cell['path'],
  concurrency: number,
  send: (i: number) => Promise<boolean>,
  cpuSeconds?: () => number | undefined,
): Promise<Cell> {
  process.stderr.write(`measuring ${path} at concurrency ${concurrency}\n`);
  await loop(concurrency, WARMUP_S, send);
  const cpuBefore = cpuSeconds?.();
  const { latencies, errors, elapsedS } = await loop(concurrency, MEASURE_S, send);
  const cpuAfter = cpuSeconds?.();
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    path,
    concurrency,
    requests: latencies.length,
    errors,
    throughput_rps: round(latencies.length / elapsedS),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    ...(cpuBefore !== undefined &&
      cpuAfter !== undefined && {
        cpu_ms_per_request: round(((cpuAfter - cpuBefore) * 1000) / Math.max(1, latencies.length + errors)),
      }),
  };
}

function postJson(agent: Agent, port: number, path: string, body: unknown, token?: string) {
  const payload = JSON.stringify(body);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(token && { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function main(): Promise<void> {
  for (const name of ['gateway', 'auth', 'inference']) build(name);
  const id = randomBytes(4).toString('hex');
  const root = await mkdtemp(join(tmpdir(), 'nf-bench-gateway-'));
  const modelDir = await writeTinyRetNetModel(join(root, 'tiny-1'), 1, { vocab_size: 272, max_seq_len: 2048 });
  const quiet = { NEUROFORGE_STACK__TRACING_ENABLED: 'false', NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn' };
  const authDb = `nf_bench_gw_auth_${id}`;
  const processes: Service[] = [];
  try {
    const auth = await Service.start('auth', {
      ...quiet,
      NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${authDb}`,
    });
    processes.push(auth);
    const inference = await Service.start('inference', {
      ...quiet,
      NF_INFERENCE_MODEL_DIRS: `tiny:1=${modelDir}`,
      NF_INFERENCE_REDIS_PREFIX: `nf-bench-gw-${id}:`,
      NEUROFORGE_INFERENCE__DEFAULT_MODEL: 'tiny',
      NEUROFORGE_SYSTEM__DEVICE: 'cpu',
      NEUROFORGE_SYSTEM__INTRA_OP_THREADS: '1',
    });
    processes.push(inference);
    process.stderr.write('waiting for auth and inference\n');
    await Promise.all([auth.waitForReady(), inference.waitForReady()]);
    const gateway = await Service.start('gateway', {
      ...quiet,
      NEUROFORGE_SERVICES__AUTH__GRPC_PORT: String(auth.grpcPort),
      NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: String(inference.grpcPort),
      // Limits stay on (each request still runs the Redis script) but high enough never to refuse.
      NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: '100000000',
      NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '100000000',
    });
    processes.push(gateway);
    await gateway.waitForReady();

    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const registered = await postJson(agent, gateway.httpPort, '/api/v1/auth/register', {
      email: `bench-${id}@example.com`,
      password: 'benchmark password',
    });
    const token = (JSON.parse(registered.body) as { tokens: { access_token: string } }).tokens.access_token;

    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('inference')) as GrpcObject;
    const Client = (((pkg.neuroforge as GrpcObject).inference as GrpcObject).v1 as GrpcObject)
      .InferenceService as ServiceClientConstructor;
    const grpc = new Client(`127.0.0.1:${inference.grpcPort}`, credentials.createInsecure()) as unknown as {
      generate(req: unknown, md: Metadata, cb: (e: Error | null) => void): void;
      close(): void;
    };
    // Distinct prompts, so inference's response cache answers neither path.
    const prompt = (i: number) => `benchmark prompt ${id} ${i}`;
    const viaGateway = async (i: number) => {
      const answer = await postJson(
        agent,
        gateway.httpPort,
        '/api/v1/generate/text',
        { prompt: prompt(i), model_name: 'tiny', max_tokens: 1 },
        token,
      );
      return answer.status === 200;
    };
    const direct = (i: number) =>
      new Promise<boolean>((resolve) =>
        grpc.generate({ model: 'tiny', prompt: prompt(i), parameters: { maxNewTokens: 1 } }, new Metadata(), (e) =>
          resolve(!e),
        ),
      );

    const cells: Cell[] = [];
    for (const concurrency of CONCURRENCY) {
      // Same run, alternating, so both paths see the same machine.
      cells.push(await measure('grpc', concurrency, (i) => direct(i + 1e9)));
      cells.push(await measure('gateway', concurrency, viaGateway, () => gateway.cpuSeconds()));
    }
    grpc.close();
    agent.destroy();

    const rows = CONCURRENCY.map((c) => {
      const g = cells.find((x) => x.path === 'gateway' && x.concurrency === c) as Cell;
      const d = cells.find((x) => x.path === 'grpc' && x.concurrency === c) as Cell;
      return {
        concurrency: c,
        grpc: d,
        gateway: g,
        added_p50_ms: Math.round((g.p50_ms - d.p50_ms) * 100) / 100,
        added_p99_ms: Math.round((g.p99_ms - d.p99_ms) * 100) / 100,
        throughput_ratio: Math.round((g.throughput_rps / d.throughput_rps) * 1000) / 1000,
      };
    });
    const c16 = rows.find((r) => r.concurrency === 16);
    const result = {
      benchmark: 'gateway',
      command: 'npm run bench:gateway',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        // Other work on the machine competes for the same cores; the 1-minute load average says how much.
        load_average_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      },
      settings: {
        warmup_s: WARMUP_S,
        measure_s: MEASURE_S,
        max_tokens: 1,
        auth: 'JWT access token',
        gateway_build: relative(REPO_ROOT, entryOf('gateway')),
      },
      goal: { added_p50_ms_at_16: 2, added_p99_ms_at_16: 10 },
      met: c16 ? c16.added_p50_ms <= 2 && c16.added_p99_ms <= 10 : false,
      rows,
    };
    const table = [
      '| concurrency | gRPC p50 / p99 ms | gateway p50 / p99 ms | added p50 / p99 ms | gRPC rps | gateway rps | ratio | gateway CPU ms/req | errors (gRPC / gateway) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.concurrency} | ${r.grpc.p50_ms} / ${r.grpc.p99_ms} | ${r.gateway.p50_ms} / ${r.gateway.p99_ms} | ${r.added_p50_ms} / ${r.added_p99_ms} | ${r.grpc.throughput_rps} | ${r.gateway.throughput_rps} | ${r.throughput_ratio} | ${r.gateway.cpu_ms_per_request ?? 'n/a'} | ${r.grpc.errors} / ${r.gateway.errors} |`,
      ),
    ].join('\n');
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${table}\n`);
    writeFileSync(join(REPO_ROOT, 'docs/benchmarks/gateway.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await rm(root, { recursive: true, force: true });
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${authDb}`).asPromise();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
