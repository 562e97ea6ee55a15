// Audio bytes → the audio encoder's input: a WAV file (16-bit PCM or 32-bit float, any channel count, mixed down
// to mono) or raw 16-bit little-endian mono PCM, at the model's sample rate, zero-padded to clip_samples. The
// RIFF header is parsed here (a few lines; no dependency). Every failure is a MediaInputError naming the field.
import type { AudioConfig } from './config';
import { MediaInputError } from './media-error';

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

// Signatures of formats people send by mistake: named in the error instead of being read as PCM noise.
const MAGIC: [string, number[]][] = [
  ['PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG image', [0xff, 0xd8, 0xff]],
  ['GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['MP3 file', [0x49, 0x44, 0x33]],
  ['FLAC file', [0x66, 0x4c, 0x61, 0x43]],
  ['Ogg file', [0x4f, 0x67, 0x67, 0x53]],
];

export interface DecodedAudio {
  /** Mono samples in [−1, 1], zero-padded to clip_samples. */
  readonly samples: Float32Array;
  /** Samples the input really had (before padding). */
  readonly length: number;
}

/** Parses WAV or raw PCM16 and pads to the clip length. */
export function preprocessAudio(bytes: Uint8Array, a: AudioConfig, field = 'audio'): DecodedAudio {
  if (bytes.length === 0) throw new MediaInputError(field, 'is empty; send a WAV file or 16-bit PCM samples');
  const text = (o: number, n: number) => String.fromCharCode(...bytes.subarray(o, o + n));
  let mono: Float32Array;
  if (text(0, 4) === 'RIFF') {
    mono = parseWav(bytes, a, field);
  } else {
    const known = MAGIC.find(([, sig]) => sig.every((b, i) => bytes[i] === b));
    if (known) throw new MediaInputError(field, `is a ${known[0]}, not WAV or raw 16-bit PCM`);
    if (bytes.length % 2 !== 0) {
      throw new MediaInputError(field, `raw PCM16 needs an even number of bytes, got ${bytes.length}; send a WAV file`);
    }
    mono = pcm16(bytes, 0, bytes.length / 2, 1);
  }
  if (mono.length === 0) throw new MediaInputError(field, 'holds no samples');
  if (mono.length > a.clip_samples) {
    const secs = (n: number) => (n / a.sample_rate).toFixed(3);
    throw new MediaInputError(
      field,
      `is ${secs(mono.length)} s long; this model takes at most ${secs(a.clip_samples)} s ` +
        `(${a.clip_samples} samples at ${a.sample_rate} Hz)`,
    );
  }
  const samples = new Float32Array(a.clip_samples);
  samples.set(mono);
  return { samples, length: mono.length };
}

function parseWav(bytes: Uint8Array, a: AudioConfig, field: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (o: number, n: number) => String.fromCharCode(...bytes.subarray(o, o + n));
  if (bytes.length < 12 || text(8, 4) !== 'WAVE') throw new MediaInputError(field, 'RIFF file is not a WAVE file');
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = text(offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length)
        throw new MediaInputError(field, 'truncated WAV: fmt chunk is cut off');
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 26 && body + 26 <= bytes.length)
        format = view.getUint16(body + 24, true);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new MediaInputError(field, 'WAV data chunk comes before its fmt chunk');
      if (body + size > bytes.length) {
        throw new MediaInputError(
          field,
          `truncated WAV: the data chunk declares ${size} bytes but ${bytes.length - body} are present`,
        );
      }
      return decodeData(bytes, body, size, fmt, a, field);
    }
    offset = body + size + (size % 2); // chunks are word-aligned
  }
  throw new MediaInputError(field, fmt ? 'truncated WAV: no data chunk' : 'truncated WAV: no fmt chunk');
}

function decodeData(
  bytes: Uint8Array,
  start: number,
  size: number,
  fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number },
  a: AudioConfig,
  field: string,
): Float32Array {
  if (fmt.rate !== a.sample_rate) {
    throw new MediaInputError(
      field,
      `sample rate is ${fmt.rate} Hz; this model takes ${a.sample_rate} Hz audio — resample it first`,
    );
  }
  if (fmt.channels < 1) throw new MediaInputError(field, 'WAV declares 0 channels');
  const pcm = fmt.format === FORMAT_PCM && fmt.bits === 16;
  const float = fmt.format === FORMAT_FLOAT && fmt.bits === 32;
  if (!pcm && !float) {
    const kind = fmt.format === FORMAT_PCM ? `${fmt.bits}-bit PCM` : `format ${fmt.format}, ${fmt.bits}-bit`;
    throw new MediaInputError(field, `WAV is ${kind}; send 16-bit PCM or 32-bit float`);
  }
  const frameBytes = (fmt.bits / 8) * fmt.channels;
  const frames = Math.floor(size / frameBytes);
  return pcm ? pcm16(bytes, start, frames, fmt.channels) : float32(bytes, start, frames, fmt.channels);
}

/** Interleaved PCM16 LE → mono float (channel mean), /32768. */
function pcm16(bytes: Uint8Array, start: number, frames: number, channels: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += view.getInt16(start + (f * channels + c) * 2, true);
    out[f] = sum / channels / 32768;
  }
  return out;
}

function float32(bytes: Uint8Array, start: number, frames: number, channels: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += view.getFloat32(start + (f * channels + c) * 4, true);
    out[f] = sum / channels;
  }
  return out;
}

/** A WAV file (PCM16 or float32, mono) from samples in [−1, 1]: for tests, fixtures and the synthetic task. */
export function encodeWav(
  samples: Float32Array,
  sampleRate: number,
  format: 'pcm16' | 'float32' = 'pcm16',
): Uint8Array {
  const bytesPer = format === 'pcm16' ? 2 : 4;
  const dataSize = samples.length * bytesPer;
  const out = new Uint8Array(44 + dataSize);
  const view = new DataView(out.buffer);
  const put = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'pcm16' ? FORMAT_PCM : FORMAT_FLOAT, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * bytesPer, true);
  view.setUint16(32, bytesPer, true);
  view.setUint16(34, bytesPer * 8, true);
  put(36, 'data');
  view.setUint32(40, dataSize, true);
  samples.forEach((s, i) => {
    if (format === 'pcm16') view.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(s * 32767))), true);
    else view.setFloat32(44 + i * 4, s, true);
  });
  return out;
}
