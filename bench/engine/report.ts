// Renders the benchmark result as the Markdown page docs/benchmarks/engine.md.
import type { BenchResult, DecodeRow } from './run';
import { PREFILL_CHUNK, PREFILL_MEMORY_LIMIT_GIB } from './shared';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const f = (n: number | undefined, digits = 1) => (n === undefined ? '—' : n.toFixed(digits));

export function renderMarkdown(r: BenchResult, seconds: number): string {
  const find = (m: DecodeRow['model'], ctx: number, b: number) =>
    r.decode.find((d) => d.model === m && d.context === ctx && d.batch === b);
  const decodeRows = r.memory.flatMap(({ context }) =>
    [1, 16].map((b) => {
      const ret = find('retnet', context, b);
      const tr = find('transformer', context, b);
      const speedup = ret && tr ? ret.tokensPerSecond / tr.tokensPerSecond : undefined;
      return `| ${context} | ${b} | ${f(ret?.msPerStep, 2)} | ${f(ret?.tokensPerSecond)} | ${f(tr?.msPerStep, 2)} | ${f(tr?.tokensPerSecond)} | ${f(speedup, 2)}× |`;
    }),
  );
  const memoryRows = r.memory.map(
    (m) =>
      `| ${m.context} | ${mib(m.retnetStateBytes)} | ${mib(m.transformerKvBytes)} | ${f(m.transformerKvBytes / m.retnetStateBytes, 1)}× |`,
  );
  const prefillRows = r.prefill.map(
    (p) =>
      `| ${p.form} | ${p.length} | ${p.ok ? f(p.ms, 0) : '—'} | ${p.ok ? f(p.tokensPerSecond, 0) : `failed: ${p.error}`} |`,
  );
  const goalRows = r.goals.map((g) => `| ${g.name} | ${f(g.value, 2)} | ${g.target} | ${g.met ? 'met' : 'NOT met'} |`);
  const longest = r.memory[r.memory.length - 1]?.context ?? 0;
  const r1 = find('retnet', longest, 1);
  const t1 = find('transformer', longest, 1);
  const t1short = find('transformer', 128, 1);
  const r1short = find('retnet', 128, 1);
  const { layers: L, embedDim: d, vocab: V, ffnDim: F } = r.model;
  // fp32 weight bytes read per decode step (embedding rows are gathered, not read in full).
  const retnetWeights = 4 * (L * (2 * d * d + 2 * 2 * d * d + 2 * d * d + 2 * d * F) + V * d);
  const transformerWeights = 4 * (L * (4 * d * d + 2 * d * F) + V * d);
  const stateBytes = r.memory[0]?.retnetStateBytes ?? 0;
  const kv128 = r.memory[0]?.transformerKvBytes ?? 0;
  const kvLongest = r.memory[r.memory.length - 1]?.transformerKvBytes ?? 0;
  const crossover = Math.round((retnetWeights + stateBytes - transformerWeights) / (2 * L * d * 4));
  return `# Engine benchmark: RetNet vs Transformer (KV cache) on onnxruntime CPU

Command: \`${r.command}\` (${new Date(r.date).toUTCString()}, ${seconds.toFixed(0)} s).
Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, onnxruntime-node
1.30 provider \`${r.machine.provider}\`, ${r.machine.threads} intra-op threads. The machine is shared: its 1-minute load
average was ${f(r.machine.loadAverage[0])} at the start and ${f(r.machine.loadAverage[1])} at the end (2 cores), which inflates absolute timings.
Model (both): ${r.model.layers} layers, d=${r.model.embedDim}, ${r.model.heads} heads, vocab ${r.model.vocab}, FFN ${r.model.ffnDim}, fp32,
seeded random weights. Raw numbers: [engine.json](engine.json). Timings are medians after warmup and are only compared
within this run.

## Decode (one new token per sequence per step)

RetNet runs its recurrent graph from a real state after a chunkwise prefill of the context; the Transformer runs its
decode graph with past K/V of the context length filled with random values (its cost does not depend on the values)
and fetches logits and every present K/V, as a decode loop must. Both models and all contexts are measured in
4 interleaved rounds (median), so load from other processes falls on all of them alike.

| context | batch | RetNet ms/step | RetNet tok/s | Transformer ms/step | Transformer tok/s | RetNet speedup |
|---:|---:|---:|---:|---:|---:|---:|
${decodeRows.join('\n')}

## Memory per sequence

| context | RetNet state (MiB) | Transformer KV cache (MiB) | ratio |
|---:|---:|---:|---:|
${memoryRows.join('\n')}

RetNet carries \`L · H · d_k · (d_v + 1)\` fp32 numbers whatever the length; the KV cache grows by \`2 · L · d\` per token.

## Prefill (batch 1, logits of the last position)

Each case runs in its own process capped at ${PREFILL_MEMORY_LIMIT_GIB} GiB of address space. Chunkwise uses chunks of ${PREFILL_CHUNK} tokens.
Prompts of 8192 tokens are timed once (no warmup); 512-token prompts are the median of 3 after a warmup.

| form | tokens | ms | tokens/s |
|---|---:|---:|---:|
${prefillRows.join('\n')}

## Goals

| goal | value | target | |
|---|---:|---:|---|
${goalRows.join('\n')}

## Reading the numbers

- **Constant decode cost.** A recurrent step reads the same state and weights whatever the context, so RetNet's
  latency at 8192 equals its latency at 128 up to noise; the Transformer's step reads (and here also copies out) a KV
  cache that grows with the context.
- **Batch 1.** One sequence's step is bound by reading every weight once per token. RetNet reads
  ${mb(retnetWeights)} MB (its value, gate and output projections are 2·d wide: value_factor 2) plus its
  ${mib(stateBytes)} MiB state; the Transformer reads ${mb(transformerWeights)} MB plus its KV cache, which is
  ${mib(kv128)} MiB at context 128 and ${mib(kvLongest)} MiB at ${longest}. So at short contexts the two are close
  (context 128: RetNet ${f(r1short?.msPerStep, 2)} ms, Transformer ${f(t1short?.msPerStep, 2)} ms per token; the
  Transformer may win there), they cross once the cache outweighs RetNet's extra weights (around
  ${crossover} tokens), and at ${longest} RetNet takes ${f(r1?.msPerStep, 2)} ms against the Transformer's
  ${f(t1?.msPerStep, 2)} ms. With batch 16 each weight read serves 16 tokens while the Transformer's cache traffic
  grows 16-fold, which is where the gap is largest.
- **Prefill.** The parallel form materialises \`[H, T, T]\` decay masks and scores, quadratic in the prompt length;
  the chunkwise form is linear in the length with a \`[H, C, C]\` working set, which is why the engine uses it for long
  prompts and keeps the parallel form for short ones.
- The Transformer graph exchanges its cache through graph inputs/outputs (the layout ONNX decoder exports use);
  onnxruntime-node has no I/O binding, so the copy of the present K/V is part of its real cost in this engine.
`;
}
