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

// 2. RetNet decode: real states after prompts of each context length, one recurrent step per token.
async function measureRetNetDecode(model: RetNetModel): Promise<DecodeRow[]> {
  const prompt = randomTokens(LONGEST, benchRetNetConfig.vocab_size, 7);
  const states = new Map<number, RetNetState>();
  let state: RetNetState | undefined;
  let position = 0;
  for (const ctx of CONTEXTS) {
    const from = state ? { state, position } : undefined;
    const out = await model.prefillWith('chunkwise', prompt.slice(position, ctx), from);
    state = out.state;
    position = out.position;
    states.set(ctx, state);
  }
  // Contexts are measured in interleaved rounds so that load from other processes on the machine falls on all of
  // them alike; each context keeps its own running state and positions.
  const rows: DecodeRow[] = [];
  for (const batch of BATCHES) {
    const runs = CONTEXTS.map((ctx) => ({
      ctx,
      state: model.stackStates(Array.from({ length: batch }, () => states.get(ctx) as RetNetState)),
      positions: Array.from({ length: batch }, () => ctx) as number[],
      tokens: randomTokens(batch, benchRetNetConfig.vocab_size, ctx + batch),
      samples: [] as number[],
    }));
    const step = async (run: (typeof runs)[number]) => {
      run.state = (await model.decodeStep(run.tokens, run.positions, run.state)).state;
      run.positions = run.positions.map((p) => p + 1);
    };
    for (const run of runs) await timeMedian(() => step(run), 3, 1);
    for (let round = 0; round < (batch === 1 ? 6 : 5); round++) {
      for (const run of runs) run.samples.push(await timeMedian(() => step(run), 0, 3));
    }
    for (const run of runs) {
      const ms = median(run.samples);
      rows.push({ model: 'retnet', context: run.ctx, batch, msPerStep: ms, tokensPerSecond: (batch * 1000) / ms });
      log(`  retnet ctx=${run.ctx} batch=${batch}: ${ms.toFixed(2)} ms/step`);
    }
  }
  return rows;
}

// 3. Transformer decode with its KV cache filled with random values of the right shape (no 8192-token prefill).
async function measureTransformerDecode(): Promise<DecodeRow[]> {
  const c = benchTransformerConfig;
  const session = await EngineSession.create(buildTransformerDecoder(c, 1), {
    device: 'cpu',
    intraOpThreads: THREADS,
    log,
  });
  const H = c.num_heads;
  const dk = c.embed_dim / H;
  const rows: DecodeRow[] = [];
  for (const ctx of CONTEXTS) {
    for (const batch of BATCHES) {
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
      const big = ctx * batch >= 8192 * 4;
      // Fetch logits and every present K/V, as a decode loop must to feed the next step.
      const ms = await timeMedian(() => session.run(feeds), 1, big ? 3 : 10);
      rows.push({ model: 'transformer', context: ctx, batch, msPerStep: ms, tokensPerSecond: (batch * 1000) / ms });
      log(`  transformer ctx=${ctx} batch=${batch}: ${ms.toFixed(2)} ms/step`);
    }
  }
  await session.dispose();
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

  log('retnet decode…');
  const model = await RetNetModel.create(benchRetNetConfig, initRetNetWeights(benchRetNetConfig, 1), {
    device: 'cpu',
    intraOpThreads: THREADS,
    chunkSize: PREFILL_CHUNK,
    log,
  });
  const retnet = await measureRetNetDecode(model);
  const provider = model.provider;
  const stateBytes = model.stateBytesPerSequence;
  await model.dispose();

  log('transformer decode…');
  const transformer = await measureTransformerDecode();

  const memory = CONTEXTS.map((ctx) => ({
    context: ctx,
    retnetStateBytes: stateBytes,
    transformerKvBytes: kvCacheBytes(benchTransformerConfig, ctx),
  }));
  const decode = [...retnet, ...transformer];
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
