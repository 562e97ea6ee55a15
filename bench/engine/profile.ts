// Where a batched RetNet decode step spends its time, op by op: the recurrent graph of the benchmark model under
// ORT's per-node profiler at batch 1 and 16, each op type's share of the kernel time (medians are not needed: the
// sums over the measured steps are divided by the step count). Prints a table; writes nothing under docs/.
// Run: npm run bench:engine (builds it), then node bench/engine/dist/profile.js
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRetNetGraph, EngineSession, float32, initRetNetWeights, int64, prepareRetNet } from '@neuroforge/ml';
import { benchRetNetConfig, THREADS } from './shared';

const WARMUP = 3;
const STEPS = 12;

interface TraceEvent {
  cat?: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

async function profileBatch(graph: Uint8Array, batch: number): Promise<void> {
  const { H, dk, dv, L } = prepared.dims;
  const dir = await mkdtemp(join(tmpdir(), 'nf-decode-profile-'));
  try {
    const session = await EngineSession.create(graph, {
      device: 'cpu',
      intraOpThreads: THREADS,
      profileFilePrefix: join(dir, 'decode'),
      log: () => {},
    });
    const feeds = {
      tokens: int64(
        Array.from({ length: batch }, (_, b) => 100 + b),
        [batch],
      ),
      positions: int64(Array(batch).fill(30), [batch]),
      ...Object.fromEntries(
        Array.from({ length: L }, (_, i) => [
          `state_in_${i}`,
          float32(new Float32Array(batch * H * dk * (dv + 1)).fill(0.01), [batch, H, dk, dv + 1]),
        ]),
      ),
    };
    const wall: number[] = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      if (i >= WARMUP) wall.push(performance.now() - t0);
    }
    session.endProfiling();
    await session.dispose();
    const file = (await readdir(dir)).find((f) => f.endsWith('.json')) as string;
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as TraceEvent[];
    const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(-STEPS);
    const since = (runs[0] as TraceEvent).ts;
    const byOp = new Map<string, { us: number; nodes: number }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < since) continue;
      const op = e.args?.op_name ?? '?';
      const row = byOp.get(op) ?? { us: 0, nodes: 0 };
      row.us += e.dur;
      row.nodes += 1;
      byOp.set(op, row);
    }
    const kernelMs = [...byOp.values()].reduce((n, r) => n + r.us, 0) / STEPS / 1000;
    const runMs = runs.reduce((n, r) => n + r.dur, 0) / STEPS / 1000;
    const wallMs = wall.reduce((a, b) => a + b, 0) / STEPS;
    console.log(`\nbatch ${batch}: ${wallMs.toFixed(2)} ms per step from JS, ${runMs.toFixed(2)} ms in ORT's run,`);
    console.log(`${kernelMs.toFixed(2)} ms in kernels (mean of ${STEPS} steps, profiler on)\n`);
    console.log('| op | ms per step | share | nodes per step |\n|---|---:|---:|---:|');
    for (const [op, r] of [...byOp.entries()].sort((a, b) => b[1].us - a[1].us)) {
      const ms = r.us / STEPS / 1000;
      console.log(`| ${op} | ${ms.toFixed(3)} | ${((100 * ms) / kernelMs).toFixed(1)} % | ${r.nodes / STEPS} |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const prepared = prepareRetNet(benchRetNetConfig, initRetNetWeights(benchRetNetConfig, 1));

async function main(): Promise<void> {
  console.log(`1-minute load ${(loadavg()[0] as number).toFixed(2)} at the start`);
  const graph = buildRetNetGraph(prepared, 'recurrent');
  for (const batch of [1, 16]) await profileBatch(graph, batch);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
