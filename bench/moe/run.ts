// MoE FFN benchmark (docs/benchmarks/moe.md): one MoE layer (8 experts, top-2) with three dispatches — sparse
// standard ops (the engine's), every expert on every token, onnxruntime's com.microsoft MoE operator — against one
// dense FFN with the same ACTIVE parameters (2 experts' worth), at decode batch sizes and a 512-token prefill.
// All variants run interleaved in the same rounds, so machine load falls on all of them alike; ratios matter,
// absolute milliseconds do not. Each variant's output is also checked against the float64 reference.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  buildMoeLayerGraph,
  EngineSession,
  float32,
  GraphBuilder,
  gelu,
  initMoeFfnWeights,
  linear,
  type MoeDispatch,
  type MoeSettings,
  prepareMoeFfn,
  referenceMoeFfn,
  SeededRandom,
  transpose2d,
} from '@neuroforge/ml';

const SMOKE = process.env.NF_BENCH_SMOKE === '1';
const D = 512;
const SETTINGS: MoeSettings = { numExperts: 8, topK: 2, expertFfnDim: 1024, auxLossCoef: 0.01 };
const ACTIVE_FFN = SETTINGS.topK * SETTINGS.expertFfnDim; // the dense FFN with the MoE's active parameters
const TOKENS = [1, 4, 16, 512];
const THREADS = 1;
const VARIANTS = ['moe-sparse', 'moe-all-experts', 'moe-ort-contrib', 'dense-ffn-active'] as const;
type Variant = (typeof VARIANTS)[number];
const DISPATCH: Record<Exclude<Variant, 'dense-ffn-active'>, MoeDispatch> = {
  'moe-sparse': 'sparse',
  'moe-all-experts': 'dense',
  'moe-ort-contrib': 'ort-contrib',
};

interface Row {
  variant: Variant;
  tokens: number;
  msMedian: number;
  tokensPerSecond: number;
}

function denseFfnGraph(seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const g = new GraphBuilder('dense_ffn');
  const w1 = g.initializer(
    'fc1.weight_t',
    [D, ACTIVE_FFN],
    transpose2d(rng.normals(ACTIVE_FFN * D, D ** -0.5), ACTIVE_FFN, D),
  );
  const b1 = g.initializer('fc1.bias', [ACTIVE_FFN], rng.normals(ACTIVE_FFN, 0.1));
  const w2 = g.initializer(
    'fc2.weight_t',
    [ACTIVE_FFN, D],
    transpose2d(rng.normals(D * ACTIVE_FFN, ACTIVE_FFN ** -0.5), D, ACTIVE_FFN),
  );
  const b2 = g.initializer('fc2.bias', [D], rng.normals(D, 0.1));
  const x = g.input('x', 'float32', ['tokens', D]);
  g.output(linear(g, gelu(g, linear(g, x, w1, b1)), w2, b2), 'y', 'float32', ['tokens', D]);
  return g.serialize();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function output(out: Awaited<ReturnType<EngineSession['run']>>): Float32Array {
  const y = out.y;
  if (y?.type !== 'float32') throw new Error('no y output');
  return y.data;
}

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg()[0] as number;
  const weights = initMoeFfnWeights('ffn', D, SETTINGS, 42);
  const prepared = prepareMoeFfn(weights, 'ffn', D, SETTINGS);
  const opts = { device: 'cpu' as const, intraOpThreads: THREADS, log: () => {} };
  const sessions = new Map<Variant, EngineSession>();
  for (const v of VARIANTS) {
    const bytes = v === 'dense-ffn-active' ? denseFfnGraph(7) : buildMoeLayerGraph(prepared, DISPATCH[v]);
    sessions.set(v, await EngineSession.create(bytes, opts));
  }
  const inputs = new Map(TOKENS.map((n) => [n, new SeededRandom(1000 + n).normals(n * D, 1)]));

  // 1. Correctness: every MoE variant against the float64 reference (erf GELU) on 16 tokens, and sparse vs
  //    all-experts on the 512-token input.
  const x16 = inputs.get(16) as Float32Array;
  const ref = referenceMoeFfn(x16, 16, D, weights, 'ffn', SETTINGS);
  const refTanh = referenceMoeFfn(x16, 16, D, weights, 'ffn', SETTINGS, 'tanh');
  const correctness: Record<string, { maxAbsDiffVsErfReference: number; maxAbsDiffVsTanhGeluReference: number }> = {};
  for (const v of VARIANTS) {
    if (v === 'dense-ffn-active') continue;
    const y = output(await (sessions.get(v) as EngineSession).run({ x: float32(x16, [16, D]) }));
    correctness[v] = {
      maxAbsDiffVsErfReference: maxAbsDiff(y, ref.y),
      maxAbsDiffVsTanhGeluReference: maxAbsDiff(y, refTanh.y),
    };
  }
  const x512 = inputs.get(512) as Float32Array;
  const sparse512 = output(await (sessions.get('moe-sparse') as EngineSession).run({ x: float32(x512, [512, D]) }));
  const all512 = output(await (sessions.get('moe-all-experts') as EngineSession).run({ x: float32(x512, [512, D]) }));
  const sparseVsAll512 = maxAbsDiff(sparse512, all512);

  // 2. Timing: variants take turns call by call, so machine load falls on all alike, and each call finds its
  //    weights evicted by the other variants' (as in a real model, whose layers do not fit in cache together).
  const rounds = SMOKE ? 1 : 5;
  const rows: Row[] = [];
  for (const n of TOKENS) {
    const iters = SMOKE ? 2 : n >= 512 ? 4 : 40;
    const feeds = { x: float32(inputs.get(n) as Float32Array, [n, D]) };
    const times = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
    for (const v of VARIANTS) for (let i = 0; i < 3; i++) await (sessions.get(v) as EngineSession).run(feeds);
    for (let i = 0; i < rounds * iters; i++) {
      for (const v of VARIANTS) {
        const s = sessions.get(v) as EngineSession;
        const t0 = performance.now();
        await s.run(feeds);
        times.get(v)?.push(performance.now() - t0);
      }
    }
    for (const v of VARIANTS) {
      const t = (times.get(v) as number[]).sort((a, b) => a - b);
      const ms = t[Math.floor(t.length / 2)] as number;
      rows.push({ variant: v, tokens: n, msMedian: ms, tokensPerSecond: (n / ms) * 1000 });
      console.log(`${v.padEnd(18)} tokens=${String(n).padStart(4)}  ${ms.toFixed(3)} ms`);
    }
  }
  for (const s of sessions.values()) await s.dispose();

  const ms = (v: Variant, n: number) => rows.find((r) => r.variant === v && r.tokens === n)?.msMedian ?? Number.NaN;
  const ratios = TOKENS.map((n) => ({
    tokens: n,
    sparseOverDenseActive: ms('moe-sparse', n) / ms('dense-ffn-active', n),
    allExpertsOverDenseActive: ms('moe-all-experts', n) / ms('dense-ffn-active', n),
    ortContribOverDenseActive: ms('moe-ort-contrib', n) / ms('dense-ffn-active', n),
    sparseSpeedupOverAllExperts: ms('moe-all-experts', n) / ms('moe-sparse', n),
  }));
  const result = {
    command: 'npm run bench:moe',
    date: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    smoke: SMOKE,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      provider: 'cpu',
      threads: THREADS,
      loadAverage: [load0, loadavg()[0] as number],
    },
    layer: { embedDim: D, ...SETTINGS, denseActiveFfnDim: ACTIVE_FFN },
    correctness: { ...correctness, sparseVsAllExperts512Tokens: sparseVsAll512 },
    rows,
    ratios,
    goal: {
      name: 'MoE sparse ≤ 1.5 × dense FFN of equal active parameters',
      met: ratios.every((r) => r.sparseOverDenseActive <= 1.5),
      worst: Math.max(...ratios.map((r) => r.sparseOverDenseActive)),
    },
  };
  const dir = SMOKE ? (process.env.TMPDIR ?? '/tmp') : join(__dirname, '..', '..', '..', 'docs', 'benchmarks');
  writeFileSync(join(dir, 'moe.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ ratios: result.ratios, correctness: result.correctness, goal: result.goal }, null, 2));
  console.table(ratios);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
