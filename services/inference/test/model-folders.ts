// Tiny seeded-random model folders of the other architectures, written with the engine (config.json,
// model.safetensors, SHA256SUMS), and media bytes in the formats clients send (PNG, WAV).
import { encodeWav, type FusionStrategy } from '@neuroforge/ml';
import { writeTinyMultimodalModel, writeTinyRetNetModel } from '@neuroforge/ml/testing';
import sharp from 'sharp';

/** A multimodal model (16×16 images: 16 vision tokens; 2048-sample 16 kHz clips: 15 audio tokens). */
export function writeMultimodalModel(
  dir: string,
  fusion: FusionStrategy,
  seed: number,
  modalities: readonly ('vision' | 'audio')[] = ['vision', 'audio'],
): Promise<string> {
  return writeTinyMultimodalModel(dir, fusion, seed, { maxSeqLen: 256, modalities });
}

export const MOE = { num_experts: 4, top_k: 2, num_layers: 2 } as const;

/** A RetNet whose FFNs are Mixture-of-Experts layers (4 experts, top 2). */
export function writeMoeModel(dir: string, seed: number): Promise<string> {
  return writeTinyRetNetModel(dir, seed, {
    vocab_size: 272,
    num_layers: MOE.num_layers,
    max_seq_len: 512,
    ffn: 'moe',
    num_experts: MOE.num_experts,
    top_k: MOE.top_k,
    expert_ffn_dim: 32,
  });
}

/** A 24×24 PNG: a coloured square on a dark background (resized to the model's 16×16 by the engine). */
export function pngImage(color: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 10, g: 10, b: 10 } } })
    .composite([
      {
        input: { create: { width: 12, height: 12, channels: 3, background: color } },
        left: 6,
        top: 6,
      },
    ])
    .png()
    .toBuffer();
}

/** A mono 16-bit WAV tone: `samples` samples at `sampleRate`. */
export function wavTone(hz: number, sampleRate = 16000, samples = 2048): Buffer {
  const wave = Float32Array.from({ length: samples }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  return Buffer.from(encodeWav(wave, sampleRate));
}
