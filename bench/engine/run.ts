// Engine benchmark: RetNet (recurrent decode, parallel vs chunkwise prefill) against a same-size softmax Transformer
// with a KV cache, on ORT's CPU provider. Prints JSON and a table and writes docs/benchmarks/engine.{json,md}.
// Run: npm run bench:engine (about 10 minutes on 2 cores). Timings are compared within this one run only.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  buildTransformerDecoder,
  EngineSession,
  float32,
  type HostTensor,
  initRetNetWeights,
  int64,
  kvCacheBytes,
  pastKeyName,
  pastValueName,
  RetNetModel,
  type RetNetState,
} from '@neuroforge/ml';
import { renderMarkdown } from './report';
import {
  BATCHES,
  benchRetNetConfig,
  benchTransformerConfig,
  CONTEXTS,
  LONGEST,
  PREFILL_CHUNK,
  PREFILL_LENGTHS,
  PREFILL_MEMORY_LIMIT_GIB,
  randomTokens,
  SMOKE,
  THREADS,
  timeMedian,
} from './shared';

export interface DecodeRow {
  model: 'retnet' | 'transformer';
  context: number;
  batch: number;
  msPerStep: number;
  tokensPerSecond: number;
}
export interface PrefillRow {
  form: 'parallel' | 'chunkwise';
  length: number;
  ok: boolean;
  ms?: number;
  tokensPerSecond?: number;
  error?: string;
}
export interface MemoryRow {
  context: number;
  retnetStateBytes: number;
  transformerKvBytes: number;
}
export interface BenchResult {
  command: string;
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    provider: string;
    threads: number;
    /** 1-minute load average at start and end: other processes on a shared machine inflate every timing. */
    loadAverage: [number, number];
  };
  model: { layers: number; embedDim: number; heads: number; vocab: number; ffnDim: number };
  decode: DecodeRow[];
  prefill: PrefillRow[];
  memory: MemoryRow[];
  goals: { name: string; value: number; target: string; met: boolean }[];
}

const DECODE_ROUNDS = 4;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const log = (line: string) => process.stderr.write(`${line}\n`);

// 1. Prefill, each case in its own memory-capped process (the parallel form may run out of memory at 8192).
function measurePrefill(): PrefillRow[] {
  const rows: PrefillRow[] = [];
  for (const length of PREFILL_LENGTHS) {
    for (const form of ['parallel', 'chunkwise'] as const) {
      log(`prefill ${form} ${length}…`);
      const child = join(__dirname, 'prefill-child.js');
      const limitKiB = PREFILL_MEMORY_LIMIT_GIB * 1024 * 1024;
      const res = spawnSync(
        'bash',
        ['-c', `ulimit -v ${limitKiB}; exec "$0" "$@"`, process.execPath, child, form, String(length)],
        {
          encoding: 'utf8',
          timeout: 240_000,
        },
      );
      const line = res.stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { ok: boolean; ms?: number; tokensPerSecond?: number; error?: string };
        rows.push({ form, length, ...parsed });
      } catch {
        const why = res.error ? String(res.error.message) : `exit ${res.status ?? res.signal}`;
        rows.push({
          form,
          length,
          ok: false,
          error: `process failed (${why}) under a ${PREFILL_MEMORY_LIMIT_GIB} GiB cap`,
        });
      }
      log(`  ${JSON.stringify(rows[rows.length - 1])}`);
    }
  }
  return rows;
}

// 2. Decode. RetNet runs one recurrent step per token from real states after chunkwise prefills of each context;
// the Transformer runs its decode graph with past K/V of the context length filled with random values (no
// 8192-token prefill needed: its cost does not depend on the values) and fetches logits and every present K/V, as
// a decode loop must. Both models and all contexts are measured in interleaved rounds, so that load from other
// processes on the shared machine falls on all of them alike.
interface DecodeCase {
  model: DecodeRow['model'];
  context: number;
  batch: number;
  stepsPerSample: number;
  step: () => Promise<void>;
  samples: number[];
}

async function retNetStates(model: RetNetModel): Promise<Map<number, RetNetState>> {
  const prompt = randomTokens(LONGEST, benchRetNetConfig.vocab_size, 7);
  const states = new Map<number, RetNetState>();
  let from: { state: RetNetState; position: number } | undefined;
  for (const ctx of CONTEXTS) {
    const out = await model.prefillWith('chunkwise', prompt.slice(from?.position ?? 0, ctx), from);
    from = { state: out.state, position: out.position };
    states.set(ctx, out.state);
  }
  return states;
}

function retNetCase(model: RetNetModel, state: RetNetState, ctx: number, batch: number): DecodeCase {
  let s = model.stackStates(Array.from({ length: batch }, () => state));
  let positions: number[] = Array.from({ length: batch }, () => ctx);
  const tokens = randomTokens(batch, benchRetNetConfig.vocab_size, ctx + batch);
  const step = async () => {
    s = (await model.decodeStep(tokens, positions, s)).state;
    positions = positions.map((p) => p + 1);
  };
  return { model: 'retnet', context: ctx, batch, stepsPerSample: 3, step, samples: [] };
}

function transformerCase(session: EngineSession, ctx: number, batch: number): DecodeCase {
  const c = benchTransformerConfig;
  const H = c.num_heads;
  const dk = c.embed_dim / H;
  // One random buffer serves every layer's past K and V: inputs are read, never written, by the graph.
  const past = new Float32Array(batch * H * ctx * dk).map(() => Math.random() - 0.5);
  const feeds: Record<string, HostTensor> = {
    tokens: int64(randomTokens(batch, c.vocab_size, ctx), [batch]),
    positions: int64(Array(batch).fill(ctx), [batch]),
  };
  for (let i = 0; i < c.num_layers; i++) {
    feeds[pastKeyName(i)] = float32(past, [batch, H, ctx, dk]);
    feeds[pastValueName(i)] = float32(past, [batch, H, ctx, dk]);
  }
  const step = async () => {
    await session.run(feeds);
  };
  return { model: 'transformer', context: ctx, batch, stepsPerSample: ctx * batch >= 32768 ? 1 : 3, step, samples: [] };
}

async function measureDecode(model: RetNetModel, transformer: EngineSession): Promise<DecodeRow[]> {
  const states = await retNetStates(model);
  const rows: DecodeRow[] = [];
  for (const batch of BATCHES) {
    const cases = CONTEXTS.flatMap((ctx) => [
      retNetCase(model, states.get(ctx) as RetNetState, ctx, batch),
      transformerCase(transformer, ctx, batch),
    ]);
    for (const c of cases) await timeMedian(c.step, c.model === 'retnet' ? 3 : 1, 0);
    for (let round = 0; round < DECODE_ROUNDS; round++) {
      for (const c of cases) c.samples.push(await timeMedian(c.step, 0, c.stepsPerSample));
    }
    for (const c of cases) {
      const ms = median(c.samples);
      rows.push({ model: c.model, context: c.context, batch, msPerStep: ms, tokensPerSecond: (batch * 1000) / ms });
      log(`  ${c.model} ctx=${c.context} batch=${batch}: ${ms.toFixed(2)} ms/step`);
    }
  }
  return rows;
}

function goals(decode: DecodeRow[], memory: MemoryRow[]): BenchResult['goals'] {
  const find = (m: string, ctx: number, b: number) =>
    decode.find((r) => r.model === m && r.context === ctx && r.batch === b) as DecodeRow;
  const out: BenchResult['goals'] = [];
  for (const b of BATCHES) {
    const ratio = find('retnet', LONGEST, b).msPerStep / find('retnet', 128, b).msPerStep;
    out.push({
      name: `RetNet decode latency ${LONGEST} / 128 (batch ${b})`,
      value: ratio,
      target: '≤ 1.15',
      met: ratio <= 1.15,
    });
  }
  const speedup = find('retnet', LONGEST, 16).tokensPerSecond / find('transformer', LONGEST, 16).tokensPerSecond;
  out.push({
    name: `RetNet / Transformer decode throughput at ${LONGEST} (batch 16)`,
    value: speedup,
    target: '≥ 8.4',
    met: speedup >= 8.4,
  });
  const states = new Set(memory.map((m) => m.retnetStateBytes));
  out.push({
    name: 'RetNet state bytes constant across contexts',
    value: states.size,
    target: '1 distinct value',
    met: states.size === 1,
  });
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg()[0] as number;
  const prefill = measurePrefill();

  log('decode…');
  const model = await RetNetModel.create(benchRetNetConfig, initRetNetWeights(benchRetNetConfig, 1), {
    device: 'cpu',
    intraOpThreads: THREADS,
    chunkSize: PREFILL_CHUNK,
    log,
  });
  const transformer = await EngineSession.create(buildTransformerDecoder(benchTransformerConfig, 1), {
    device: 'cpu',
    intraOpThreads: THREADS,
    log,
  });
  const decode = await measureDecode(model, transformer);
  const provider = model.provider;
  const stateBytes = model.stateBytesPerSequence;
  await Promise.all([model.dispose(), transformer.dispose()]);

  const memory = CONTEXTS.map((ctx) => ({
    context: ctx,
    retnetStateBytes: stateBytes,
    transformerKvBytes: kvCacheBytes(benchTransformerConfig, ctx),
  }));
  const result: BenchResult = {
    command: 'npm run bench:engine',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      provider,
      threads: THREADS,
      loadAverage: [loadAtStart, loadavg()[0] as number],
    },
    model: { layers: 6, embedDim: 512, heads: 8, vocab: 50257, ffnDim: 2048 },
    decode,
    prefill,
    memory,
    goals: goals(decode, memory),
  };
  const md = renderMarkdown(result, (Date.now() - started) / 1000);
  const docs = SMOKE ? tmpdir() : join(__dirname, '..', '..', '..', 'docs', 'benchmarks');
  writeFileSync(join(docs, 'engine.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(docs, 'engine.md'), md);
  process.stdout.write(`${JSON.stringify(result)}\n\n${md}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
