// The audio encoder's in-graph log-mel (ONNX HannWindow → STFT → MelWeightMatrix) against the float64 TypeScript
// reference (direct DFT + the same filterbank conventions).
import { describe, expect, it } from 'vitest';
import { EngineSession, float32 } from '../runtime/session';
import { audioConfigSchema } from './config';
import { buildEncoderGraph, MEDIA_ENCODER_IO } from './encoders';
import { melFilterbank, referenceLogMel } from './mel-reference';
import { maxAbsDiff, randomWaveform, tinyMultimodalConfig } from './test-support';
import { initMultimodalWeights } from './weights';

describe('log-mel spectrogram', () => {
  it.each([
    ['n_fft 256 (radix-2 FFT), 16 mels', { n_fft: 256, hop_length: 128, n_mels: 16 }],
    [
      'n_fft 400 (not a power of two), 24 mels, 100–7000 Hz',
      { n_fft: 400, hop_length: 160, n_mels: 24, f_min: 100, f_max: 7000 },
    ],
  ])('in-graph log-mel equals the TypeScript reference: %s', async (_, audio) => {
    const base = tinyMultimodalConfig('concat');
    const a = audioConfigSchema.parse({ ...base.audio, ...audio, clip_samples: 2400 });
    const config = { ...base, audio: a };
    const session = await EngineSession.create(buildEncoderGraph(config, initMultimodalWeights(config, 1), 'audio'), {
      device: 'cpu',
      intraOpThreads: 1,
      log: () => {},
    });
    const wave = randomWaveform(2, a.clip_samples, 9);
    const res = (await session.run({ waveform: float32(wave, [2, a.clip_samples]) }))[MEDIA_ENCODER_IO.logMel];
    if (res?.type !== 'float32') throw new Error('no log_mel');
    const per = res.data.length / 2;
    for (let b = 0; b < 2; b++) {
      const want = referenceLogMel(wave.slice(b * a.clip_samples, (b + 1) * a.clip_samples), a);
      // fp32 FFT vs float64 DFT: log-power agrees to ~1e-4 where the bands carry energy.
      expect(maxAbsDiff(res.data.slice(b * per, (b + 1) * per), want)).toBeLessThan(2e-3);
    }
    await session.dispose();
  });

  it('builds unit-peak triangles on bins floor((n_fft + 1) · f / sample_rate)', () => {
    const fb = melFilterbank(4, 64, 16000, 0, 8000);
    // mel(8000) = 2840.02; step = 2840.02 / 6; points in Hz → bins floor(65 · f / 16000): 0, 1, 3, 6, 11, 18 … 32.
    const col = (m: number) => Array.from({ length: 33 }, (_, k) => fb[k * 4 + m] as number);
    for (let m = 0; m < 4; m++) expect(Math.max(...col(m))).toBe(1);
    expect(col(0).slice(0, 4)).toEqual([0, 1, 0.5, 0]); // left 0, centre 1, right 3
  });
});
