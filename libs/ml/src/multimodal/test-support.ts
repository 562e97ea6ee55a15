// Shared fixtures for the multimodal specs: tiny configs per fusion strategy, a tiny model folder, seeded media,
// helpers. The config and folder writer are also exported to other projects' tests through `@neuroforge/ml/testing`.
import { SeededRandom } from '../weights/random';
import { saveMultimodalModel } from './checkpoint';
import { type FusionStrategy, MODALITIES, type Modality, type MultimodalConfig, parseMultimodalConfig } from './config';
import { initMultimodalWeights } from './weights';

const TINY_TEXT = {
  vocab_size: 259,
  embed_dim: 32,
  num_heads: 4,
  num_layers: 2,
  ffn_dim: 64,
  tokenizer: 'byte',
} as const;
/** 16×16 images: 16 vision tokens. */
const TINY_VISION = { image_size: 16, patch_size: 4, embed_dim: 24, num_heads: 2, num_layers: 1, mlp_dim: 48 };
/** 2048-sample 16 kHz clips: 15 audio tokens. */
const TINY_AUDIO = {
  sample_rate: 16000,
  clip_samples: 2048,
  n_fft: 256,
  hop_length: 128,
  n_mels: 16,
  embed_dim: 20,
  num_heads: 2,
  num_layers: 1,
  mlp_dim: 40,
};

export interface TinyMultimodalOptions {
  /** The text decoder's context length (default 128). */
  readonly maxSeqLen?: number;
  /** The encoders the model has (default both). */
  readonly modalities?: readonly Modality[];
}

export const tinyMultimodalConfig = (fusion: FusionStrategy, options: TinyMultimodalOptions = {}): MultimodalConfig => {
  const modalities = options.modalities ?? MODALITIES;
  return parseMultimodalConfig({
    architecture: 'multimodal',
    fusion,
    text: { ...TINY_TEXT, max_seq_len: options.maxSeqLen ?? 128 },
    ...(modalities.includes('vision') ? { vision: TINY_VISION } : {}),
    ...(modalities.includes('audio') ? { audio: TINY_AUDIO } : {}),
  });
};

/** Writes a tiny seeded-random multimodal model folder (config.json, model.safetensors, SHA256SUMS). */
export async function writeTinyMultimodalModel(
  dir: string,
  fusion: FusionStrategy,
  seed: number,
  options: TinyMultimodalOptions = {},
): Promise<string> {
  const config = tinyMultimodalConfig(fusion, options);
  await saveMultimodalModel(dir, { config, weights: initMultimodalWeights(config, seed) });
  return dir;
}

/** Normalised pixels [batch, 3, S, S] in about [−2, 2]. */
export function randomPixels(batch: number, size: number, seed: number): Float32Array {
  return new SeededRandom(seed).normals(batch * 3 * size * size, 1);
}

/** Waveforms [batch, samples]: a tone plus noise, amplitude about 0.5. */
export function randomWaveform(batch: number, samples: number, seed: number, sampleRate = 16000): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(batch * samples);
  for (let b = 0; b < batch; b++) {
    const freq = 200 + 1800 * rng.next();
    for (let i = 0; i < samples; i++) {
      out[b * samples + i] = 0.4 * Math.sin((2 * Math.PI * freq * i) / sampleRate) + 0.1 * rng.normal();
    }
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
