// Shared fixtures for the multimodal specs: tiny configs per fusion strategy, seeded media, helpers.
import { SeededRandom } from '../weights/random';
import { type FusionStrategy, type MultimodalConfig, parseMultimodalConfig } from './config';

export const tinyMultimodalConfig = (fusion: FusionStrategy, overrides: Partial<MultimodalConfig> = {}) =>
  parseMultimodalConfig({
    architecture: 'multimodal',
    fusion,
    text: {
      vocab_size: 259,
      embed_dim: 32,
      num_heads: 4,
      num_layers: 2,
      ffn_dim: 64,
      max_seq_len: 128,
      tokenizer: 'byte',
    },
    vision: { image_size: 16, patch_size: 4, embed_dim: 24, num_heads: 2, num_layers: 1, mlp_dim: 48 },
    audio: {
      sample_rate: 16000,
      clip_samples: 2048,
      n_fft: 256,
      hop_length: 128,
      n_mels: 16,
      embed_dim: 20,
      num_heads: 2,
      num_layers: 1,
      mlp_dim: 40,
    },
    ...overrides,
  });

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
