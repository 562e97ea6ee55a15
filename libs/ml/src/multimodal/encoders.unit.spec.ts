// Each encoder's output shape for batch 1 and > 1, and batch rows that equal their solo runs.
import { describe, expect, it } from 'vitest';
import { prepareRetNet } from '../retnet/graph';
import { EngineSession, float32, type HostTensor, int64 } from '../runtime/session';
import { audioTokenCount, visionTokenCount } from './config';
import { buildEncoderGraph, buildTextEncoderGraph, MEDIA_ENCODER_IO, tokensName } from './encoders';
import { maxAbsDiff, randomPixels, randomWaveform, tinyMultimodalConfig } from './test-support';
import { initMultimodalWeights, textWeights } from './weights';

const config = tinyMultimodalConfig('cross_attention');
const weights = initMultimodalWeights(config, 5);
const open = (bytes: Uint8Array) => EngineSession.create(bytes, { device: 'cpu', intraOpThreads: 1, log: () => {} });
const out = (t: HostTensor | undefined) => {
  if (t?.type !== 'float32') throw new Error('expected float32');
  return t;
};

describe('vision encoder', () => {
  const v = config.vision as NonNullable<typeof config.vision>;
  const N = visionTokenCount(v);
  it.each([1, 3])('maps pixels [%i, 3, 16, 16] to tokens [B, 16, 24]', async (B) => {
    const session = await open(buildEncoderGraph(config, weights, 'vision'));
    const pixels = randomPixels(B, v.image_size, 11);
    const res = out((await session.run({ pixels: float32(pixels, [B, 3, 16, 16]) }))[tokensName('vision')]);
    expect(res.dims).toEqual([B, N, v.embed_dim]);
    expect(res.data.every(Number.isFinite)).toBe(true);
    if (B > 1) {
      // Row 2 of the batch equals that image alone: no mixing across the batch.
      const plane = 3 * 16 * 16;
      const solo = out(
        (await session.run({ pixels: float32(pixels.slice(2 * plane, 3 * plane), [1, 3, 16, 16]) }))[
          tokensName('vision')
        ],
      );
      expect(maxAbsDiff(res.data.slice(2 * N * v.embed_dim), solo.data)).toBeLessThan(1e-5);
    }
    await session.dispose();
  });
});

describe('audio encoder', () => {
  const a = config.audio as NonNullable<typeof config.audio>;
  const T = audioTokenCount(a);
  it.each([1, 2])('maps waveforms [%i, 2048] to tokens [B, 15, 20] and log-mel [B, 15, 16]', async (B) => {
    const session = await open(buildEncoderGraph(config, weights, 'audio'));
    const wave = randomWaveform(B, a.clip_samples, 3);
    const res = await session.run({ waveform: float32(wave, [B, a.clip_samples]) });
    expect(T).toBe(15); // floor((2048 − 256) / 128) + 1
    expect(out(res[tokensName('audio')]).dims).toEqual([B, T, a.embed_dim]);
    expect(out(res[MEDIA_ENCODER_IO.logMel]).dims).toEqual([B, T, a.n_mels]);
    expect(out(res[tokensName('audio')]).data.every(Number.isFinite)).toBe(true);
    await session.dispose();
  });
});

describe('text encoder', () => {
  it.each([1, 2])('maps tokens [%i, 7] to hidden states [B, 7, 32]', async (B) => {
    const session = await open(buildTextEncoderGraph(prepareRetNet(config.text, textWeights(weights))));
    const tokens = Array.from({ length: B * 7 }, (_, i) => (i * 37) % 259);
    const res = out((await session.run({ tokens: int64(tokens, [B, 7]) }))[MEDIA_ENCODER_IO.textHidden]);
    expect(res.dims).toEqual([B, 7, 32]);
    expect(res.data.every(Number.isFinite)).toBe(true);
    await session.dispose();
  });
});
