// The three RetNet forms are one function: parallel, chunkwise (any chunk size) and recurrent give the same
// logits and states on ORT CPU, and the parallel graph matches a plain-TypeScript oracle of the ADR formula.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '../runtime/session';
import { float32, int64 } from '../runtime/session';
import { stateInName } from './graph';
import { referenceRetNetLogits } from './reference';
import type { RetNetFormSessions } from './test-support';
import { createFormSessions, floatData, maxAbsDiff, randomTokens, tinyConfig } from './test-support';
import { initRetNetWeights } from './weights';

const config = tinyConfig();
const V = config.vocab_size;
const L = config.num_layers;
const stateShape = (B: number) => [B, 4, 8, 17]; // [B, H, d_k, d_v + 1] for d=32, H=4, value_factor 2
const TOL = 1e-4;

const weights = initRetNetWeights(config, 7, { randomAffine: true });
let forms: RetNetFormSessions;

beforeAll(async () => {
  forms = await createFormSessions(config, weights);
});

afterAll(async () => {
  await forms.dispose();
});

/** Batch of B sequences of length T, flattened row-major. */
const batchTokens = (B: number, T: number) => Array.from({ length: B }, (_, b) => randomTokens(T, V, 100 + b)).flat();

async function runParallel(tokens: number[], B: number, T: number) {
  const out = await forms.parallel.run({ tokens: int64(tokens, [B, T]) });
  return { logits: floatData(out.logits), states: forms.statesFrom(out) }; // logits [B, T, V]
}

/** Chunkwise over the whole sequence; reassembles per-position logits [B, T, V]. */
async function runChunkwise(tokens: number[], B: number, T: number, chunk: number) {
  const logits = new Float32Array(B * T * V);
  let states = forms.zeroStates(B);
  for (let s = 0; s < T; s += chunk) {
    const C = Math.min(chunk, T - s);
    const part = Array.from({ length: B }, (_, b) => tokens.slice(b * T + s, b * T + s + C)).flat();
    const out = await forms.chunkwise.run({
      tokens: int64(part, [B, C]),
      start: int64(Array(B).fill(s), [B]),
      ...states,
    });
    const lg = floatData(out.logits); // [B, C, V]
    for (let b = 0; b < B; b++) logits.set(lg.subarray(b * C * V, (b + 1) * C * V), (b * T + s) * V);
    states = forms.statesFrom(out);
  }
  return { logits, states };
}

/** Recurrent, one token at a time; per-position logits [B, T, V]. */
async function runRecurrent(tokens: number[], B: number, T: number) {
  const logits = new Float32Array(B * T * V);
  let states = forms.zeroStates(B);
  for (let t = 0; t < T; t++) {
    const step = Array.from({ length: B }, (_, b) => tokens[b * T + t] as number);
    const out = await forms.recurrent.run({
      tokens: int64(step, [B]),
      positions: int64(Array(B).fill(t), [B]),
      ...states,
    });
    const lg = floatData(out.logits); // [B, V]
    for (let b = 0; b < B; b++) logits.set(lg.subarray(b * V, (b + 1) * V), (b * T + t) * V);
    states = forms.statesFrom(out);
  }
  return { logits, states };
}

function maxStateDiff(a: Record<string, HostTensor>, b: Record<string, HostTensor>): number {
  return Math.max(
    ...Array.from({ length: L }, (_, i) => maxAbsDiff(floatData(a[stateInName(i)]), floatData(b[stateInName(i)]))),
  );
}

const chunkSizes: Record<number, number[]> = { 1: [1], 7: [7, 3], 64: [16, 13], 300: [100, 64] };

describe.each([1, 7, 64, 300])('sequence length %i', (T) => {
  it.each([1, 3])('parallel, chunkwise and recurrent logits agree within 1e-4 at batch %i', async (B) => {
    const tokens = batchTokens(B, T);
    const par = await runParallel(tokens, B, T);
    const rec = await runRecurrent(tokens, B, T);
    expect(maxAbsDiff(par.logits, rec.logits)).toBeLessThanOrEqual(TOL);
    for (const chunk of chunkSizes[T] as number[]) {
      const chk = await runChunkwise(tokens, B, T, chunk);
      expect(maxAbsDiff(par.logits, chk.logits), `chunk ${chunk}`).toBeLessThanOrEqual(TOL);
    }
  });

  it('recurrent state after the prompt equals the chunkwise and parallel final states', async () => {
    const B = 3;
    const tokens = batchTokens(B, T);
    const rec = await runRecurrent(tokens, B, T);
    const par = await runParallel(tokens, B, T);
    const scale = Math.max(...floatData(rec.states[stateInName(0)]).map(Math.abs), 1);
    expect(maxStateDiff(rec.states, par.states) / scale).toBeLessThanOrEqual(TOL);
    for (const chunk of chunkSizes[T] as number[]) {
      const chk = await runChunkwise(tokens, B, T, chunk);
      expect(maxStateDiff(rec.states, chk.states) / scale).toBeLessThanOrEqual(TOL);
    }
  });
});

it.each([7, 64])('the parallel graph matches the TypeScript oracle of the ADR formula at length %i', async (T) => {
  const tokens = randomTokens(T, V, 5);
  const par = await runParallel(tokens, 1, T);
  expect(maxAbsDiff(par.logits, referenceRetNetLogits(config, weights, tokens))).toBeLessThanOrEqual(TOL);
});

it('a chunk batch may start each sequence at its own position', async () => {
  // Rows continue from different prompt lengths: [0..4), [0..9), [0..1), then one 6-token chunk each.
  const lens = [4, 9, 1];
  const C = 6;
  const rows = lens.map((n, b) => randomTokens(n + C, V, 40 + b));
  const perRow: Float32Array[] = [];
  const stacked: Record<string, Float32Array[]> = {};
  for (const [b, n] of lens.entries()) {
    const row = rows[b] as number[];
    const pre = await runChunkwise(row.slice(0, n), 1, n, 4);
    const out = await forms.chunkwise.run({
      tokens: int64(row.slice(n), [1, C]),
      start: int64([n], [1]),
      ...pre.states,
    });
    perRow.push(floatData(out.logits));
    for (const [k, v] of Object.entries(pre.states)) {
      stacked[k] = [...(stacked[k] ?? []), floatData(v)];
    }
  }
  const states = Object.fromEntries(
    Object.entries(stacked).map(([k, parts]) => [
      k,
      float32(Float32Array.from(parts.flatMap((p) => [...p])), stateShape(3)),
    ]),
  );
  const tokens = rows.flatMap((row, b) => row.slice(lens[b]));
  const out = await forms.chunkwise.run({ tokens: int64(tokens, [3, C]), start: int64(lens, [3]), ...states });
  const batched = floatData(out.logits);
  for (let b = 0; b < 3; b++) {
    expect(maxAbsDiff(batched.subarray(b * C * V, (b + 1) * C * V), perRow[b] as Float32Array)).toBeLessThanOrEqual(
      TOL,
    );
  }
});
