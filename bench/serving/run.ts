// Serving benchmark: the inference service (built, as its own process) against the raw engine decode loop, on the
// engine benchmark's model size (6 layers, d=512, 8 heads, GPT-2 vocabulary, seeded random weights), ORT CPU.
// 1. single-stream decode tokens/s: gRPC GenerateStream vs generate() in one process (goal ≥ 0.9×);
// 2. aggregate tokens/s at 1, 4, 16, 64 concurrent streams (goal ≥ 8× single-stream at 16);
// 3. time to first token for a 2,000-token shared prefix, cold vs prefix-cache hit.
// Prints JSON and a table, writes docs/benchmarks/serving.{json,md}. Run: npm run bench:serving (a few minutes).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { credentials, type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { type inference, loadGrpcPackageDefinition } from '@neuroforge/contracts';
import {
  createTokenizer,
  generate,
  initRetNetWeights,
  parseRetNetConfig,
  RetNetModel,
  saveModel,
} from '@neuroforge/ml';

/** docs/benchmarks/serving.md keeps everything from this line on when the benchmark rewrites its results. */
const ANALYSIS_MARKER = '<!-- analysis: kept when the benchmark reruns -->';

const REPO = resolve(__dirname, '../../..');
const SMOKE = process.env.NF_BENCH_SMOKE === '1';
const THREADS = 2;
const DECODE_TOKENS = SMOKE ? 16 : 64;
const CONCURRENCY: readonly number[] = SMOKE ? [1, 4] : [1, 4, 16, 64];
const PREFIX_TOKENS = SMOKE ? 600 : 2000;
const PREFIX_REPEATS = SMOKE ? 1 : 2;
const PAIRS = SMOKE ? 2 : 3;

const config = parseRetNetConfig({
  vocab_size: 50257,
  embed_dim: 512,
  num_heads: 8,
  num_layers: 6,
  ffn_dim: 2048,
  max_seq_len: 8192 + 128,
  tokenizer: 'gpt2',
});

interface StreamTiming {
  tokens: number;
  /** The server's own view (GenerationEnd.timings): arrival → first token, arrival → last token. */
  serverFirstTokenMs: number;
  serverLastTokenMs: number;
  firstTokenMs: number;
  endMs: number;
  prefixCacheHit: boolean;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function progress(line: string): void {
  process.stderr.write(`[bench:serving] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Words that GPT-2 encodes as about one token each, so a prompt's length in tokens is easy to aim at. */
function words(count: number, seed: number): string {
  const vocabulary = ['model', 'state', 'token', 'batch', 'cache', 'river', 'stone', 'light', 'green', 'table'];
  let s = seed >>> 0;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(vocabulary[s % vocabulary.length] as string);
  }
  return out.join(' ');
}

class Client {
  private readonly client: { generateStream(req: unknown): NodeJS.EventEmitter; close(): void };

  constructor(address: string) {
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('inference')) as GrpcObject;
    const v1 = ((pkg.neuroforge as GrpcObject).inference as GrpcObject).v1 as GrpcObject;
    const Ctor = v1.InferenceService as ServiceClientConstructor;
    this.client = new Ctor(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 << 20,
    }) as never;
  }

  /** One greedy stream; times relative to the call. */
  stream(prompt: string, maxNewTokens: number): Promise<StreamTiming> {
    const started = performance.now();
    return new Promise((done, fail) => {
      const call = this.client.generateStream({
        prompt,
        parameters: { maxNewTokens, temperature: 0, topK: 0, stop: [] },
      });
      let tokens = 0;
      let firstTokenMs = Number.NaN;
      let prefixCacheHit = false;
      let serverFirstTokenMs = Number.NaN;
      let serverLastTokenMs = Number.NaN;
      call.on('data', (m: inference.GenerateStreamResponse) => {
        if (m.prompt) prefixCacheHit = m.prompt.prefixCacheHit;
        if (m.end?.timings) {
          serverFirstTokenMs = m.end.timings.timeToFirstTokenMs;
          serverLastTokenMs = m.end.timings.generationTimeMs;
        }
        if (m.token) {
          if (Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - started;
          tokens += m.token.tokenIds.length;
        }
      });
      call.on('end', () =>
        done({
          tokens,
          firstTokenMs,
          endMs: performance.now() - started,
          prefixCacheHit,
          serverFirstTokenMs,
          serverLastTokenMs,
        }),
      );
      call.on('error', fail);
    });
  }

  close(): void {
    this.client.close();
  }
}

async function startService(modelDir: string): Promise<{ child: ChildProcess; address: string }> {
  const [grpc, metrics] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(REPO, 'services/inference/dist/main.js')], {
    cwd: REPO,
    env: {
      ...process.env,
      NF_INFERENCE_MODEL_DIRS: `bench:1=${modelDir}`,
      NEUROFORGE_INFERENCE__DEFAULT_MODEL: 'bench',
      NEUROFORGE_INFERENCE__MAX_BATCH_SIZE: '64',
      NEUROFORGE_INFERENCE__MAX_QUEUE: '64',
      NEUROFORGE_INFERENCE__MAX_NEW_TOKENS: '512',
      NEUROFORGE_INFERENCE__REQUEST_TIMEOUT_MS: '600000',
      NEUROFORGE_SYSTEM__DEVICE: 'cpu',
      NEUROFORGE_SYSTEM__INTRA_OP_THREADS: String(THREADS),
      NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
      NEUROFORGE_STACK__TRACING_ENABLED: 'false',
      NF_INFERENCE_REDIS_PREFIX: `nf-bench-${process.pid}:`,
      NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: String(grpc),
      NEUROFORGE_SERVICES__INFERENCE__METRICS_PORT: String(metrics),
      NEUROFORGE_SERVICES__INFERENCE__HTTP_PORT: String(metrics),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`inference exited ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('inference did not become ready in 120 s');
    const ready = await fetch(`http://127.0.0.1:${metrics}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { child, address: `127.0.0.1:${grpc}` };
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nf-bench-serving-'));
  const modelDir = join(dir, 'bench-1');
  await saveModel(modelDir, { config, weights: initRetNetWeights(config, 1234) });
  const tokenizer = await createTokenizer('gpt2');
  const opts = {
    device: 'cpu' as const,
    intraOpThreads: THREADS,
    chunkSize: 256,
    parallelPrefillMax: 128,
    log: () => {},
  };

  // 1. Single stream: the raw engine (generate(): prefill + greedy recurrent decode loop, same model and threads,
  // in this process) and the service as its own process over gRPC, measured in alternation so that both see the
  // same machine load (the idle side uses no CPU meanwhile).
  progress('model folder written; starting the service');
  const { child, address } = await startService(modelDir);
  progress('service ready');
  const client = new Client(address);
  const model = await RetNetModel.load(modelDir, opts);
  let counter = 0;
  const prompt = () => `stream ${counter++}: ${words(20, counter)}`; // unique: never a response-cache hit
  try {
    await generate(model, tokenizer, 'warm up', { maxNewTokens: 8, temperature: 0 });
    await client.stream(prompt(), 8);
    const rawRates: number[] = [];
    const singleRates: number[] = [];
    const serverRates: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const r = await generate(model, tokenizer, prompt(), { maxNewTokens: DECODE_TOKENS, temperature: 0 });
      rawRates.push((r.completionTokens - 1) / (r.timings.decodeMs / 1000));
      const t = await client.stream(prompt(), DECODE_TOKENS);
      singleRates.push((t.tokens - 1) / ((t.endMs - t.firstTokenMs) / 1000));
      serverRates.push((t.tokens - 1) / ((t.serverLastTokenMs - t.serverFirstTokenMs) / 1000));
      progress(
        `pair ${i + 1}: engine ${rawRates.at(-1)?.toFixed(1)} tok/s, gRPC ${singleRates.at(-1)?.toFixed(1)} tok/s ` +
          `(server clock ${serverRates.at(-1)?.toFixed(1)})`,
      );
    }
    // The engine's own batching ceiling: decodeStep tokens/s at batch 1 and 16 (no scheduler, no gRPC).
    const ceiling: { batch: number; tokensPerSecond: number }[] = [];
    const start = await model.prefill(tokenizer.encode(words(20, 7)));
    for (const batch of [1, 16]) {
      let state = model.stackStates(Array.from({ length: batch }, () => start.state));
      const tokens = Array.from({ length: batch }, (_, b) => 100 + b);
      const steps = SMOKE ? 3 : 8;
      await model.decodeStep(
        tokens,
        tokens.map(() => start.position),
        state,
      ); // warm-up
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) {
        state = (
          await model.decodeStep(
            tokens,
            tokens.map(() => start.position + i),
            state,
          )
        ).state;
      }
      ceiling.push({ batch, tokensPerSecond: (batch * steps) / ((performance.now() - t0) / 1000) });
      progress(`engine decodeStep batch ${batch}: ${ceiling.at(-1)?.tokensPerSecond.toFixed(1)} tok/s`);
    }
    await model.dispose();
    const rawTokensPerSecond = median(rawRates);
    const grpcTokensPerSecond = median(singleRates);

    // 2. Aggregate throughput at several concurrency levels (wall time from first request to last token).
    const aggregate: { streams: number; tokensPerSecond: number; medianTtftMs: number }[] = [];
    for (const c of CONCURRENCY) {
      const started = performance.now();
      const timings = await Promise.all(Array.from({ length: c }, () => client.stream(prompt(), DECODE_TOKENS)));
      const seconds = (performance.now() - started) / 1000;
      const tokens = timings.reduce((n, t) => n + t.tokens, 0);
      progress(`${c} streams: ${(tokens / seconds).toFixed(1)} tok/s`);
      aggregate.push({
        streams: c,
        tokensPerSecond: tokens / seconds,
        medianTtftMs: median(timings.map((t) => t.firstTokenMs)),
      });
    }

    // 3. Time to first token with a 2,000-token shared prefix: cold, then a different question after it.
    const cold: number[] = [];
    const warm: number[] = [];
    let promptTokens = 0;
    for (let i = 0; i < PREFIX_REPEATS; i++) {
      const prefix = `System ${i} ${Date.now()}: ${words(PREFIX_TOKENS, 1000 + i)}`;
      promptTokens = tokenizer.encode(`${prefix} Question A?`).length;
      const a = await client.stream(`${prefix} Question A?`, 1);
      const b = await client.stream(`${prefix} Question B, a different one?`, 1);
      if (a.prefixCacheHit || !b.prefixCacheHit) throw new Error('prefix cache did not behave as expected');
      cold.push(a.firstTokenMs);
      warm.push(b.firstTokenMs);
      progress(`prefix ${i + 1}: cold ${a.firstTokenMs.toFixed(0)} ms, hit ${b.firstTokenMs.toFixed(0)} ms`);
    }

    const single = aggregate.find((a) => a.streams === 1)?.tokensPerSecond ?? grpcTokensPerSecond;
    const at16 = aggregate.find((a) => a.streams === 16)?.tokensPerSecond;
    const result = {
      command: 'npm run bench:serving',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '',
        loadavg1m: loadavg()[0],
        node: process.version,
      },
      model: { ...config, weights: 'seeded random (seed 1234)', provider: 'cpu', intraOpThreads: THREADS },
      decodeTokensPerRequest: DECODE_TOKENS,
      singleStream: {
        pairs: PAIRS,
        engineTokensPerSecond: rawTokensPerSecond,
        grpcTokensPerSecond,
        serverSideTokensPerSecond: median(serverRates),
        ratio: grpcTokensPerSecond / rawTokensPerSecond,
        goal: 0.9,
      },
      aggregate,
      scaling16: at16 === undefined ? undefined : { ratio: at16 / single, goal: 8 },
      engineBatchCeiling: {
        batch1TokensPerSecond: ceiling[0]?.tokensPerSecond,
        batch16TokensPerSecond: ceiling[1]?.tokensPerSecond,
        ratio: (ceiling[1]?.tokensPerSecond ?? 0) / (ceiling[0]?.tokensPerSecond ?? 1),
      },
      prefixCache: {
        promptTokens,
        coldTtftMs: median(cold),
        hitTtftMs: median(warm),
        speedup: median(cold) / median(warm),
        repeats: PREFIX_REPEATS,
      },
    };
    const table = renderMarkdown(result);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${table}\n`);
    if (!SMOKE) {
      await writeFile(join(REPO, 'docs/benchmarks/serving.json'), `${JSON.stringify(result, null, 2)}\n`);
      // The analysis written by hand below the marker survives a rerun; the results above it are replaced.
      const doc = join(REPO, 'docs/benchmarks/serving.md');
      const previous = await readFile(doc, 'utf8').catch(() => '');
      const at = previous.indexOf(ANALYSIS_MARKER);
      await writeFile(doc, at >= 0 ? `${table.trimEnd()}\n\n${previous.slice(at)}` : table);
    }
  } finally {
    client.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the report reads the result object built just above
function renderMarkdown(r: any): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const rows = r.aggregate
    .map(
      (a: { streams: number; tokensPerSecond: number; medianTtftMs: number }) =>
        `| ${a.streams} | ${f(a.tokensPerSecond)} | ${f(a.tokensPerSecond / r.aggregate[0].tokensPerSecond, 2)}× | ${f(a.medianTtftMs, 0)} |`,
    )
    .join('\n');
  return `# Serving benchmark

Command: \`${r.command}\` — ${r.date}; ${r.machine.cpus} CPUs (${r.machine.cpuModel}), 1-minute load ${f(r.machine.loadavg1m, 2)} at the end, Node ${r.machine.node}.
Model: RetNet ${r.model.num_layers} layers, d=${r.model.embed_dim}, ${r.model.num_heads} heads, GPT-2 vocabulary (${r.model.vocab_size}), ${r.model.weights}; ORT CPU, ${r.model.intraOpThreads} intra-op threads. Greedy decoding, ${r.decodeTokensPerRequest} new tokens per request, unique prompts (no response-cache hits). The service runs as its own process (max_batch_size 64); the client streams over gRPC from the benchmark process.

## Single stream: gRPC vs the raw engine loop

| engine generate() decode tok/s | gRPC GenerateStream decode tok/s (client clock) | same, server clock | ratio client / engine (goal ≥ ${r.singleStream.goal}) |
|---|---|---|---|
| ${f(r.singleStream.engineTokensPerSecond)} | ${f(r.singleStream.grpcTokensPerSecond)} | ${f(r.singleStream.serverSideTokensPerSecond)} | ${f(r.singleStream.ratio, 2)} |

Decode rate = (tokens − 1) / (last token − first token), so prefill is excluded on both sides; medians of ${r.singleStream.pairs} alternating engine / gRPC runs.

## Aggregate throughput (continuous batching)

| concurrent streams | tokens/s (all streams, wall clock incl. prefill) | vs 1 stream | median TTFT ms |
|---|---|---|---|
${rows}

At 16 streams: ${r.scaling16 ? `${f(r.scaling16.ratio, 2)}× single-stream (goal ≥ ${r.scaling16.goal}×)` : 'not measured'}.
The engine alone, in the same run, bounds what batching can give on this machine: one batched \`decodeStep\` makes
${f(r.engineBatchCeiling.batch1TokensPerSecond)} tok/s at batch 1 and ${f(r.engineBatchCeiling.batch16TokensPerSecond)} tok/s at batch 16
(${f(r.engineBatchCeiling.ratio, 2)}×): on 2 CPU cores a batch-16 step of this model is compute-bound (the 50,257-wide output
projection alone is 0.4 G multiply-adds per step), so throughput cannot grow 16-fold.

## Prefix cache: time to first token after a shared ${r.prefixCache.promptTokens}-token prompt

| cold (no cached prefix) ms | prefix-cache hit ms | speedup |
|---|---|---|
| ${f(r.prefixCache.coldTtftMs, 0)} | ${f(r.prefixCache.hitTtftMs, 0)} | ${f(r.prefixCache.speedup, 1)}× |

Median of ${r.prefixCache.repeats} prefixes: a cold request, then a different question after the same prefix, which resumes from the cached state at the last 256-token boundary.
`;
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
