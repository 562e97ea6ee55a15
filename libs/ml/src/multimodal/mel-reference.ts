// A plain float64 TypeScript log-mel spectrogram with the conventions of the audio encoder's graph — periodic Hann
// window, frames without centre padding, onesided power spectrum |X|², ONNX's MelWeightMatrix (HTK mel scale,
// N+2 points spaced by (mel(f_max) − mel(f_min)) / (N+2), bins floor((n_fft+1)·f / sample_rate), unit-peak
// triangles), log(mel + floor). A direct DFT that shares no code with the graph: the test oracle for the in-graph
// STFT/MelWeightMatrix path, and the spec the PyTorch worker follows.
import { type AudioConfig, audioFMax, audioTokenCount } from './config';

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/** The filterbank [n_fft/2 + 1, n_mels] row-major, as ONNX MelWeightMatrix defines it. */
export function melFilterbank(
  nMels: number,
  nFft: number,
  sampleRate: number,
  fMin: number,
  fMax: number,
): Float64Array {
  const bins = Math.floor(nFft / 2) + 1;
  const out = new Float64Array(bins * nMels);
  const low = hzToMel(Math.fround(fMin));
  const step = (hzToMel(Math.fround(fMax)) - low) / (nMels + 2);
  const points = Array.from({ length: nMels + 2 }, (_, i) =>
    Math.floor(((nFft + 1) * melToHz(low + step * i)) / sampleRate),
  );
  for (let m = 0; m < nMels; m++) {
    const [l, c, h] = [points[m] as number, points[m + 1] as number, points[m + 2] as number];
    if (c === l) out[c * nMels + m] = 1;
    else for (let j = l; j <= c; j++) out[j * nMels + m] = (j - l) / (c - l);
    if (h > c) for (let j = c; j < h; j++) out[j * nMels + m] = (h - j) / (h - c);
  }
  return out;
}

/** log-mel [frames, n_mels] of one waveform of clip_samples samples. */
export function referenceLogMel(waveform: Float32Array, a: AudioConfig): Float64Array {
  const n = a.n_fft;
  const bins = Math.floor(n / 2) + 1;
  const frames = audioTokenCount(a);
  const window = Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  const fb = melFilterbank(a.n_mels, n, a.sample_rate, a.f_min, audioFMax(a));
  const cos = Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * i) / n));
  const sin = Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * i) / n));
  const out = new Float64Array(frames * a.n_mels);
  const power = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    const offset = t * a.hop_length;
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        const x = (waveform[offset + i] as number) * (window[i] as number);
        const idx = (k * i) % n; // exact angle index: no drift in cos/sin for large k·i
        re += x * (cos[idx] as number);
        im -= x * (sin[idx] as number);
      }
      power[k] = re * re + im * im;
    }
    for (let m = 0; m < a.n_mels; m++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += (power[k] as number) * (fb[k * a.n_mels + m] as number);
      out[t * a.n_mels + m] = Math.log(s + a.mel_floor);
    }
  }
  return out;
}
