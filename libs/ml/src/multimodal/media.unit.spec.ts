// Media decoding (sharp for images, the WAV/PCM parser for audio) and the errors that name the request field.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeWav, preprocessAudio } from './audio';
import { preprocessImage } from './image';
import { splitInputs } from './inputs';
import { MediaInputError } from './media-error';
import { tinyMultimodalConfig } from './test-support';

const config = tinyMultimodalConfig('concat');
const v = config.vision as NonNullable<typeof config.vision>;
const a = config.audio as NonNullable<typeof config.audio>;

/** A 32×32 image, left half pure red, right half pure blue. */
async function halves(format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  const raw = Buffer.alloc(32 * 32 * 3);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) raw[(y * 32 + x) * 3 + (x < 16 ? 0 : 2)] = 255;
  const img = sharp(raw, { raw: { width: 32, height: 32, channels: 3 } });
  return (
    format === 'png' ? img.png() : format === 'jpeg' ? img.jpeg({ quality: 95 }) : img.webp({ lossless: true })
  ).toBuffer();
}

async function mediaError(p: Promise<unknown> | (() => unknown)): Promise<MediaInputError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(MediaInputError);
    return err as MediaInputError;
  }
  throw new Error('expected a MediaInputError');
}

describe('images', () => {
  it.each(['png', 'jpeg', 'webp'] as const)('decodes and resizes a %s to normalised [3, 16, 16]', async (format) => {
    const pixels = await preprocessImage(await halves(format), v);
    expect(pixels.length).toBe(3 * 16 * 16);
    // (255/255 − 0.5)/0.5 = 1 and (0 − 0.5)/0.5 = −1: red channel high on the left, blue on the right.
    const at = (c: number, y: number, x: number) => pixels[c * 256 + y * 16 + x] as number;
    expect(at(0, 8, 2)).toBeCloseTo(1, 1);
    expect(at(2, 8, 2)).toBeCloseTo(-1, 1);
    expect(at(0, 8, 13)).toBeCloseTo(-1, 1);
    expect(at(2, 8, 13)).toBeCloseTo(1, 1);
  });

  it('accepts raw RGB8 of exactly the model size', async () => {
    const pixels = await preprocessImage(new Uint8Array(16 * 16 * 3).fill(255), v);
    expect(pixels.every((x) => x === 1)).toBe(true);
  });

  it('names the field when the bytes are not an image', async () => {
    const err = await mediaError(preprocessImage(Buffer.from('hello, not an image'), v, 'inputs[1].image'));
    expect(err.field).toBe('inputs[1].image');
    expect(err.message).toMatch(/^inputs\[1\]\.image: not a PNG\/JPEG\/WebP image/);
  });

  it('refuses other image formats by name', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .gif()
      .toBuffer();
    const err = await mediaError(preprocessImage(gif, v, 'inputs[0].image'));
    expect(err.message).toMatch(/not a PNG\/JPEG\/WebP image \(a GIF image\)/);
  });

  it('refuses a truncated PNG', async () => {
    const png = await halves('png');
    const err = await mediaError(preprocessImage(png.subarray(0, png.length - 40), v, 'inputs[2].image'));
    expect(err.message).toMatch(/^inputs\[2\]\.image: PNG image could not be decoded/);
  });

  it('refuses images over the byte and pixel limits', async () => {
    const png = await halves('png');
    expect((await mediaError(preprocessImage(png, v, 'image', { maxBytes: 10 }))).message).toMatch(/at most 10 bytes/);
    expect((await mediaError(preprocessImage(png, v, 'image', { maxPixels: 100 }))).message).toMatch(
      /is 32×32 pixels; at most 100 pixels/,
    );
  });
});

describe('audio', () => {
  const tone = Float32Array.from({ length: 1000 }, (_, i) => 0.5 * Math.sin(i / 5));

  it('reads 16-bit PCM and float32 WAV, zero-padded to the clip', () => {
    for (const format of ['pcm16', 'float32'] as const) {
      const { samples, length } = preprocessAudio(encodeWav(tone, 16000, format), a);
      expect(length).toBe(1000);
      expect(samples.length).toBe(a.clip_samples);
      expect(Math.abs((samples[123] as number) - (tone[123] as number))).toBeLessThan(1e-4);
      expect(samples[1500]).toBe(0);
    }
  });

  it('mixes stereo down to mono', () => {
    const wav = encodeWav(Float32Array.from([0.5, -0.5, 0.25, 0.75]), 16000, 'float32');
    // Rewrite as 2 channels × 2 frames: channels=2, byte rate and block align double.
    const view = new DataView(wav.buffer);
    view.setUint16(22, 2, true);
    view.setUint32(28, 16000 * 8, true);
    view.setUint16(32, 8, true);
    const { samples, length } = preprocessAudio(wav, a);
    expect(length).toBe(2);
    expect(Array.from(samples.slice(0, 2))).toEqual([0, 0.5]);
  });

  it('reads raw 16-bit little-endian PCM', () => {
    const raw = new Uint8Array(4);
    new DataView(raw.buffer).setInt16(0, 16384, true);
    new DataView(raw.buffer).setInt16(2, -32768, true);
    expect(Array.from(preprocessAudio(raw, a).samples.slice(0, 2))).toEqual([0.5, -1]);
  });

  it('names the field for a truncated WAV', async () => {
    const wav = encodeWav(tone, 16000);
    const err = await mediaError(() => preprocessAudio(wav.subarray(0, 500), a, 'inputs[2].audio'));
    expect(err.message).toMatch(/^inputs\[2\]\.audio: truncated WAV: the data chunk declares 2000 bytes but 456/);
  });

  it('refuses a wrong sample rate, too long a clip, 8-bit PCM and an image sent as audio', async () => {
    expect((await mediaError(() => preprocessAudio(encodeWav(tone, 44100), a, 'audio'))).message).toMatch(
      /sample rate is 44100 Hz; this model takes 16000 Hz/,
    );
    const long = encodeWav(new Float32Array(5000), 16000);
    expect((await mediaError(() => preprocessAudio(long, a))).message).toMatch(
      /is 0\.313 s long; this model takes at most 0\.128 s/,
    );
    const eightBit = encodeWav(tone, 16000);
    new DataView(eightBit.buffer).setUint16(34, 8, true);
    expect((await mediaError(() => preprocessAudio(eightBit, a))).message).toMatch(/WAV is 8-bit PCM; send 16-bit PCM/);
    const png = await halves('png');
    expect((await mediaError(() => preprocessAudio(png, a, 'inputs[0].audio'))).message).toBe(
      'inputs[0].audio: is a PNG image, not WAV or raw 16-bit PCM',
    );
  });
});

describe('request inputs', () => {
  it('joins text chunks and names each media chunk by its index', () => {
    const split = splitInputs(config, [
      { text: 'a ' },
      { image: new Uint8Array(1) },
      { audio: new Uint8Array(2) },
      { text: 'b' },
    ]);
    expect(split.text).toBe('a b');
    expect(split.media.image?.field).toBe('inputs[1].image');
    expect(split.media.audio?.field).toBe('inputs[2].audio');
  });

  it('refuses a second image and media the model has no encoder for', async () => {
    const two = await mediaError(() =>
      splitInputs(config, [{ image: new Uint8Array(1) }, { image: new Uint8Array(1) }]),
    );
    expect(two.message).toBe('inputs[1].image: this model takes one image; inputs[0].image is already one');
    const visionOnly = { vision: config.vision };
    const err = await mediaError(() => splitInputs(visionOnly, [{ text: 'x' }, { audio: new Uint8Array(2) }]));
    expect(err.message).toBe('inputs[1].audio: not supported by this model (it has no audio encoder)');
    expect(err.code).toBe('INVALID_MEDIA');
  });
});
