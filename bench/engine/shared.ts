// Shared settings for the engine benchmark: the benchmark model (6 layers, d=512, 8 heads, GPT-2 vocab) and timing.
import { parseRetNetConfig, type RetNetConfig, type TransformerConfig } from '@neuroforge/ml';

/** NF_BENCH_SMOKE=1 runs a few-second version (short contexts, results in the temp dir) to check the program. */
export const SMOKE = process.env.NF_BENCH_SMOKE === '1';
export const CONTEXTS: readonly number[] = SMOKE ? [128, 512] : [128, 512, 2048, 8192];
export const LONGEST = CONTEXTS[CONTEXTS.length - 1] as number;
export const BATCHES = [1, 16] as const;
export const PREFILL_LENGTHS: readonly number[] = SMOKE ? [512] : [512, 8192];
export const PREFILL_CHUNK = 512;
/** Threads per ORT operator: the benchmark machine has 2 cores. */
export const THREADS = 2;
/** Memory cap (virtual address space) for each prefill child process, so an out-of-memory parallel pass fails alone. */
export const PREFILL_MEMORY_LIMIT_GIB = 12;

export const benchRetNetConfig: RetNetConfig = parseRetNetConfig({
  vocab_size: 50257,
  embed_dim: 512,
  num_heads: 8,
  num_layers: 6,
  ffn_dim: 2048,
  max_seq_len: 8192 + 128, // room to decode after an 8192-token context
  tokenizer: 'gpt2',
});

export const benchTransformerConfig: TransformerConfig = {
  vocab_size: 50257,
  embed_dim: 512,
  num_heads: 8,
  num_layers: 6,
  ffn_dim: 2048,
  max_seq_len: 8192 + 128,
  layer_norm_eps: 1e-5,
  rope_base: 10000,
};

/** Runs `step` `warmup` times untimed, then `iterations` times; returns the median milliseconds per call. */
export async function timeMedian(step: () => Promise<unknown>, warmup: number, iterations: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export function randomTokens(count: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}
