// Shared fixtures for the RetNet specs: a tiny config, a tiny model folder and helpers to run single graphs on ORT
// CPU. The config and folder writer are also exported to other projects' tests through `@neuroforge/ml/testing`.
import { EngineSession, float32, type HostTensor } from '../runtime/session';
import type { WeightMap } from '../weights/tensor';
import { saveModel } from './checkpoint';
import { parseRetNetConfig, type RetNetConfig, retNetDims } from './config';
import { buildRetNetGraph, prepareRetNet, stateInName, stateOutName } from './graph';
import { initRetNetWeights } from './weights';

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

/**
 * Writes a tiny seeded-random RetNet model folder (config.json, model.safetensors, SHA256SUMS): {@link tinyConfig}
 * with the caller's overrides. Random norm affines by default, so a bug that ignores them shows in the logits.
 */
export async function writeTinyRetNetModel(
  dir: string,
  seed: number,
  overrides: Partial<RetNetConfig> = {},
  { randomAffine = true }: { randomAffine?: boolean } = {},
): Promise<string> {
  const config = tinyConfig(overrides);
  await saveModel(dir, { config, weights: initRetNetWeights(config, seed, { randomAffine }) });
  return dir;
}

export async function cpuSession(bytes: Uint8Array): Promise<EngineSession> {
  return EngineSession.create(bytes, { device: 'cpu', intraOpThreads: 1, log: () => {} });
}

/** One RetNet's parallel, chunkwise and recurrent graphs on ORT CPU, with the feeds that carry state between runs. */
export interface RetNetFormSessions {
  readonly parallel: EngineSession;
  readonly chunkwise: EngineSession;
  readonly recurrent: EngineSession;
  /** Zero state feeds for a batch of B: one `[B, H, d_k, d_v + 1]` tensor per layer. */
  zeroStates(B: number): Record<string, HostTensor>;
  /** A run's state outputs renamed as the next run's state inputs. */
  statesFrom(out: Record<string, HostTensor>): Record<string, HostTensor>;
  dispose(): Promise<void>;
}

export async function createFormSessions(config: RetNetConfig, weights: WeightMap): Promise<RetNetFormSessions> {
  const { L, H, dk, dv } = retNetDims(config);
  const prepared = prepareRetNet(config, weights);
  const parallel = await cpuSession(buildRetNetGraph(prepared, 'parallel'));
  const chunkwise = await cpuSession(buildRetNetGraph(prepared, 'chunkwise'));
  const recurrent = await cpuSession(buildRetNetGraph(prepared, 'recurrent'));
  const layers = Array.from({ length: L }, (_, i) => i);
  return {
    parallel,
    chunkwise,
    recurrent,
    zeroStates: (B) =>
      Object.fromEntries(
        layers.map((i) => [stateInName(i), float32(new Float32Array(B * H * dk * (dv + 1)), [B, H, dk, dv + 1])]),
      ),
    statesFrom: (out) => Object.fromEntries(layers.map((i) => [stateInName(i), out[stateOutName(i)] as HostTensor])),
    dispose: async () => {
      await Promise.all([parallel.dispose(), chunkwise.dispose(), recurrent.dispose()]);
    },
  };
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
