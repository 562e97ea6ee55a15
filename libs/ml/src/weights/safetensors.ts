// safetensors (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}, then the raw
// little-endian tensor bytes. The engine reads and writes F32 only (ADR 0001); other dtypes fail by name.
import type { WeightMap } from './tensor';

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsFile {
  tensors: WeightMap;
  metadata: Record<string, string>;
}

/** Serializes tensors (sorted by name, as the reference implementation does) into safetensors bytes. */
export function writeSafetensors(tensors: WeightMap, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as { shape: readonly number[]; data: Float32Array };
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (allowed by the format).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const data = (tensors.get(name) as { data: Float32Array }).data;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    pos += data.byteLength;
  }
  return out;
}

/** Parses safetensors bytes; every error names the file part or tensor that is wrong. */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (bytes.length < 8) throw new Error(`${source}: ${bytes.length} bytes is too short for a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) {
    throw new Error(
      `${source}: header length ${headerLen} exceeds the file size; the file is truncated or not safetensors`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString('utf8'));
  } catch (err) {
    throw new Error(`${source}: header is not valid JSON (${(err as Error).message}); the file is corrupted`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors: WeightMap = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = raw as HeaderEntry;
    if (entry.dtype !== 'F32') {
      throw new Error(
        `${source}: tensor '${name}' has dtype ${entry.dtype}; the engine loads F32 only — save it as float32`,
      );
    }
    const [begin, end] = entry.data_offsets ?? [];
    const count = (entry.shape ?? []).reduce((a, b) => a * b, 1);
    if (begin === undefined || end === undefined || begin < 0 || end > dataLen || end - begin !== count * 4) {
      throw new Error(
        `${source}: tensor '${name}' has data_offsets [${begin}, ${end}] for shape [${entry.shape}] ` +
          `(${count * 4} bytes) in ${dataLen} data bytes; the file is corrupted or truncated`,
      );
    }
    // Copy into an aligned Float32Array (the data section need not be 4-byte aligned in memory).
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}
