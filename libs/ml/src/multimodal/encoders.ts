// Modality encoders as ONNX subgraphs: vision (patch embedding → pre-LN transformer), audio (STFT → log-mel → pre-LN
// transformer), and the text encoder (the RetNet's layers, hidden states out). Each has a standalone graph for
// encoding media once per request; the fusion graphs take their outputs.
import { GraphBuilder } from '../onnx/graph-builder';
import { buildRetNetGraph, type PreparedRetNet } from '../retnet/graph';
import type { WeightMap } from '../weights/tensor';
import { encoderLayer } from './attention';
import {
  type AudioConfig,
  audioFMax,
  audioTokenCount,
  type Modality,
  type MultimodalConfig,
  type VisionConfig,
  visionTokenCount,
} from './config';
import { GraphWeights } from './graph-weights';

/** Graph input/output names. */
export const MEDIA_ENCODER_IO = {
  pixels: 'pixels', // [batch, 3, S, S] float32, normalised: (rgb/255 − mean) / std
  waveform: 'waveform', // [batch, clip_samples] float32 in [−1, 1], zero-padded
  logMel: 'log_mel', // [batch, frames, n_mels]
  textTokens: 'tokens', // [batch, seq] int64
  textHidden: 'text_hidden', // [batch, seq, d]
} as const;

/** Output name of a modality's tokens, also the fusion graphs' input name. */
export const tokensName = (m: Modality): string => `${m}_tokens`;
/** Presence flag input of the late-fusion heads: [batch] float32, 1 = the sequence has this modality. */
export const presentName = (m: Modality): string => `${m}_present`;

function encoderStack(
  w: GraphWeights,
  prefix: string,
  x: string,
  dim: number,
  heads: number,
  layers: number,
  eps: number,
) {
  let h = x;
  for (let i = 0; i < layers; i++) h = encoderLayer(w, `${prefix}.layers.${i}`, h, dim, heads, eps);
  return w.layerNorm(h, `${prefix}.final_norm`, eps);
}

/** pixels [B, 3, S, S] → vision tokens [B, (S/p)², D]: Conv (kernel = stride = patch) + positions + layers. */
export function addVisionEncoder(w: GraphWeights, v: VisionConfig, pixels: string): string {
  const g = w.g;
  const p = v.patch_size;
  const patches = g.op('Conv', [pixels, w.raw('vision.patch_embed.weight'), w.raw('vision.patch_embed.bias')], {
    kernel_shape: [p, p],
    strides: [p, p],
  }); // [B, D, S/p, S/p]
  const seq = g.op('Transpose', [g.op('Reshape', [patches, g.constInt64([0, v.embed_dim, -1])])], { perm: [0, 2, 1] }); // [B, N, D]
  const x = g.op('Add', [seq, w.raw('vision.pos_embed')]);
  return encoderStack(w, 'vision', x, v.embed_dim, v.num_heads, v.num_layers, v.layer_norm_eps);
}

/**
 * waveform [B, clip] → log-mel [B, frames, n_mels] with ONNX's own signal ops: periodic Hann window (HannWindow),
 * STFT (no centre padding, onesided), power |X|², MelWeightMatrix (HTK mel, ONNX's triangle convention), log.
 */
export function addLogMel(g: GraphBuilder, a: AudioConfig, waveform: string): string {
  const n = a.n_fft;
  const window = g.op('HannWindow', [g.constInt64([n], [])], { periodic: 1 }); // [n_fft]
  const signal = g.op('Unsqueeze', [waveform, g.constInt64([2])]); // [B, clip, 1] (real)
  const spec = g.op('STFT', [signal, g.constInt64([a.hop_length], []), window, g.constInt64([n], [])], {
    onesided: 1,
  }); // [B, frames, n_fft/2 + 1, 2]
  const power = g.op('ReduceSumSquare', [spec], { axes: [-1], keepdims: 0 }); // [B, frames, n_fft/2 + 1]
  const melMatrix = g.op('MelWeightMatrix', [
    g.constInt64([a.n_mels], []),
    g.constInt64([n], []),
    g.constInt64([a.sample_rate], []),
    g.constFloat([a.f_min], []),
    g.constFloat([audioFMax(a)], []),
  ]); // [n_fft/2 + 1, n_mels]
  const mel = g.op('MatMul', [power, melMatrix]); // [B, frames, n_mels]
  return g.op('Log', [g.op('Add', [mel, g.constFloat([a.mel_floor], [])])]);
}

/** log-mel [B, T, n_mels] → audio tokens [B, T, D]: input projection + positions + layers. */
export function addAudioEncoder(w: GraphWeights, a: AudioConfig, logMel: string): string {
  const x = w.g.op('Add', [w.linear(logMel, 'audio.input_proj'), w.raw('audio.pos_embed')]);
  return encoderStack(w, 'audio', x, a.embed_dim, a.num_heads, a.num_layers, a.layer_norm_eps);
}

/** Standalone encoder graph of one modality: raw media tensor in, `<modality>_tokens` out (audio: also log_mel). */
export function buildEncoderGraph(c: MultimodalConfig, weights: WeightMap, m: Modality): Uint8Array {
  const g = new GraphBuilder(`${m}_encoder`);
  const w = new GraphWeights(g, weights);
  if (m === 'vision') {
    const v = c.vision;
    if (!v) throw new Error('this model has no vision encoder');
    const pixels = g.input(MEDIA_ENCODER_IO.pixels, 'float32', ['batch', 3, v.image_size, v.image_size]);
    g.output(addVisionEncoder(w, v, pixels), tokensName(m), 'float32', ['batch', visionTokenCount(v), v.embed_dim]);
  } else {
    const a = c.audio;
    if (!a) throw new Error('this model has no audio encoder');
    const T = audioTokenCount(a);
    const wave = g.input(MEDIA_ENCODER_IO.waveform, 'float32', ['batch', a.clip_samples]);
    const logMel = addLogMel(g, a, wave);
    g.output(addAudioEncoder(w, a, logMel), tokensName(m), 'float32', ['batch', T, a.embed_dim]);
    g.output(logMel, MEDIA_ENCODER_IO.logMel, 'float32', ['batch', T, a.n_mels]);
  }
  return g.serialize();
}

/** The text encoder: token embeddings through the RetNet blocks → final-normed hidden states [B, seq, d]. */
export function buildTextEncoderGraph(prepared: PreparedRetNet): Uint8Array {
  return buildRetNetGraph(prepared, 'parallel', {
    head: (g, hidden) => {
      g.output(hidden, MEDIA_ENCODER_IO.textHidden, 'float32', ['batch', 'seq', prepared.dims.d]);
    },
  });
}
