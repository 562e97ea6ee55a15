// Shared fixtures for the RetNet specs: a tiny config and helpers to run single graphs on ORT CPU.
import { EngineSession, type HostTensor } from '../runtime/session';
import { parseRetNetConfig, type RetNetConfig } from './config';

/** Small enough for fast tests, big enough to have several heads, layers and a non-trivial vocabulary. */
export const tinyConfig = (overrides: Partial<RetNetConfig> = {}): RetNetConfig =>
  parseRetNetConfig({
    vocab_size: 300,
    embed_dim: 32,
    num_heads: 4,
    num_layers: 2,
    ffn_dim: 64,
    max_seq_len: 512,
    tokenizer: 'byte',
    ...overrides,
  });

export async function cpuSession(bytes: Uint8Array): Promise<EngineSession> {
  return EngineSession.create(bytes, { device: 'cpu', intraOpThreads: 1, log: () => {} });
}

export function floatData(t: HostTensor | undefined): Float32Array {
  if (t?.type !== 'float32') throw new Error('expected a float32 tensor');
  return t.data;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Deterministic pseudo-random token ids. */
export function randomTokens(count: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}
