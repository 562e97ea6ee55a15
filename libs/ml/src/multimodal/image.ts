// Image bytes → the vision encoder's input: decode (PNG, JPEG, WebP) and resize with sharp (libvips), then
// normalise per channel to (rgb/255 − mean) / std, channels first. Raw RGB8 pixels of exactly the model's size are
// accepted too (the inference API allows them). Every failure is a MediaInputError naming the field.
import sharp from 'sharp';
import type { VisionConfig } from './config';
import { MediaInputError } from './media-error';

export interface ImageLimits {
  /** Largest encoded image accepted, in bytes (default 10 MiB). */
  maxBytes?: number;
  /** Largest decoded image accepted, in pixels (default 4096²): guards against decompression bombs. */
  maxPixels?: number;
}

const ACCEPTED = new Set(['png', 'jpeg', 'webp']);
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_PIXELS = 4096 * 4096;

/** Decodes, resizes (fill, lanczos3) and normalises one image: Float32Array [3, S, S]. */
export async function preprocessImage(
  bytes: Uint8Array,
  v: VisionConfig,
  field = 'image',
  limits: ImageLimits = {},
): Promise<Float32Array> {
  const S = v.image_size;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length === 0) throw new MediaInputError(field, 'is empty; send a PNG, JPEG or WebP image');
  if (bytes.length > maxBytes) {
    throw new MediaInputError(field, `is ${bytes.length} bytes; at most ${maxBytes} bytes are accepted`);
  }
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  let format: string | undefined;
  let size: { width?: number; height?: number } = {};
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    format = meta.format;
    size = meta;
  } catch {
    format = undefined;
  }
  if (!format || !ACCEPTED.has(format)) {
    if (bytes.length === S * S * 3) return normaliseRgb(bytes, v); // raw RGB8 at the model's size
    const what = format ? `a ${format.toUpperCase()} image` : 'not an image sharp can read';
    throw new MediaInputError(
      field,
      `not a PNG/JPEG/WebP image (${what}); send PNG, JPEG or WebP, or raw RGB8 of ${S}×${S}×3 = ${S * S * 3} bytes`,
    );
  }
  const pixels = (size.width ?? 0) * (size.height ?? 0);
  if (pixels > maxPixels) {
    throw new MediaInputError(
      field,
      `is ${size.width}×${size.height} pixels; at most ${maxPixels} pixels are accepted`,
    );
  }
  let raw: Buffer;
  try {
    const out = await sharp(bytes, { failOn: 'truncated' })
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb')
      .resize(S, S, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (out.info.channels !== 3) throw new Error(`${out.info.channels} channels after conversion`);
    raw = out.data;
  } catch (err) {
    throw new MediaInputError(
      field,
      `${format.toUpperCase()} image could not be decoded (truncated or corrupt): ${(err as Error).message}`,
    );
  }
  return normaliseRgb(raw, v);
}

/** RGB8 HWC → float CHW, (x/255 − mean[c]) / std[c]. */
export function normaliseRgb(rgb: Uint8Array, v: VisionConfig): Float32Array {
  const S = v.image_size;
  const plane = S * S;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = v.mean[c] as number;
    const std = v.std[c] as number;
    for (let i = 0; i < plane; i++) out[c * plane + i] = ((rgb[i * 3 + c] as number) / 255 - mean) / std;
  }
  return out;
}
