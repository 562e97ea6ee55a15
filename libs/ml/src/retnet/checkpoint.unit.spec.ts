// Model folders: save/load round trip, and every way a checkpoint can be wrong fails naming what and how to fix.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKSUMS_FILE, sha256Hex, WEIGHTS_FILE } from '../weights/model-dir';
import { readSafetensors, writeSafetensors } from '../weights/safetensors';
import { loadModel, saveModel } from './checkpoint';
import { tinyConfig } from './test-support';
import { initRetNetWeights } from './weights';

const config = tinyConfig();
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nf-ckpt-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Rewrites model.safetensors with `mutate` applied and refreshes SHA256SUMS so only the tensor check can fail. */
async function rewriteWeights(dir: string, mutate: (bytes: Uint8Array) => Uint8Array): Promise<void> {
  const bytes = mutate(new Uint8Array(await readFile(join(dir, WEIGHTS_FILE))));
  await writeFile(join(dir, WEIGHTS_FILE), bytes);
  const sums = await readFile(join(dir, CHECKSUMS_FILE), 'utf8');
  await writeFile(
    join(dir, CHECKSUMS_FILE),
    sums.replace(/^[0-9a-f]{64}(?= {2}model\.safetensors)/m, sha256Hex(bytes)),
  );
}

describe('RetNet checkpoints', () => {
  it('round-trips config and every tensor bit for bit', async () => {
    const dir = await tempDir();
    const weights = initRetNetWeights(config, 3);
    await saveModel(dir, { config, weights });
    const loaded = await loadModel(dir);
    expect(loaded.config).toEqual(config);
    expect(loaded.weights.size).toBe(weights.size);
    for (const [name, t] of weights)
      expect(Array.from(loaded.weights.get(name)?.data ?? [])).toEqual(Array.from(t.data));
  });

  it('writes safetensors other readers accept: LE header length, JSON header, aligned data', () => {
    const bytes = writeSafetensors(new Map([['a', { shape: [2], data: Float32Array.from([1.5, -2]) }]]));
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLen)).toString());
    expect(header.a).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(Array.from(readSafetensors(bytes).tensors.get('a')?.data ?? [])).toEqual([1.5, -2]);
  });

  it('fails naming the tensor whose shape does not match config.json', async () => {
    const dir = await tempDir();
    const weights = initRetNetWeights(config, 3);
    await saveModel(dir, { config, weights });
    weights.set('layers.1.retention.v_proj.weight', { shape: [32, 32], data: new Float32Array(32 * 32) });
    await rewriteWeights(dir, () => writeSafetensors(weights));
    await expect(loadModel(dir)).rejects.toThrow(
      /tensor 'layers\.1\.retention\.v_proj\.weight' has shape \[32, 32\] but config\.json implies \[64, 32\]/,
    );
  });

  it('fails naming a missing tensor and an unexpected one', async () => {
    const dir = await tempDir();
    const weights = initRetNetWeights(config, 3);
    await saveModel(dir, { config, weights });
    weights.delete('lm_head.weight');
    await rewriteWeights(dir, () => writeSafetensors(weights));
    await expect(loadModel(dir)).rejects.toThrow(/tensor 'lm_head\.weight' is missing/);
    weights.set('lm_head.weight', { shape: [300, 32], data: new Float32Array(300 * 32) });
    weights.set('layers.2.ffn.fc1.bias', { shape: [64], data: new Float32Array(64) });
    await rewriteWeights(dir, () => writeSafetensors(weights));
    await expect(loadModel(dir)).rejects.toThrow(/unexpected tensor 'layers\.2\.ffn\.fc1\.bias'.*num_layers/);
  });

  it('fails naming the tensor whose data offsets are corrupted, and a non-F32 dtype', async () => {
    const dir = await tempDir();
    await saveModel(dir, { config, weights: initRetNetWeights(config, 3) });
    const corrupt = (from: string, to: string) => (bytes: Uint8Array) => {
      const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      const header = Buffer.from(bytes.subarray(8, 8 + headerLen))
        .toString()
        .replace(from, to);
      const out = new Uint8Array(bytes);
      out.set(Buffer.from(header.padEnd(headerLen, ' ')), 8);
      return out;
    };
    const original = await readFile(join(dir, WEIGHTS_FILE));
    const headerLen = Number(original.readBigUInt64LE(0));
    const header = JSON.parse(original.subarray(8, 8 + headerLen).toString());
    const [begin] = header['final_norm.bias'].data_offsets;
    await rewriteWeights(dir, corrupt(`"data_offsets":[${begin},`, `"data_offsets":[${begin + 4},`));
    await expect(loadModel(dir)).rejects.toThrow(/tensor 'final_norm\.bias' has data_offsets .* corrupted/);
    await rewriteWeights(dir, () => new Uint8Array(original));
    await rewriteWeights(dir, corrupt('"embed.weight":{"dtype":"F32"', '"embed.weight":{"dtype":"F16"'));
    await expect(loadModel(dir)).rejects.toThrow(/tensor 'embed\.weight' has dtype F16; .* save it as float32/);
  });

  it('fails on a checksum mismatch naming the file and what to do', async () => {
    const dir = await tempDir();
    await saveModel(dir, { config, weights: initRetNetWeights(config, 3) });
    const bytes = new Uint8Array(await readFile(join(dir, WEIGHTS_FILE)));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff; // flip one byte of the last tensor
    await writeFile(join(dir, WEIGHTS_FILE), bytes);
    await expect(loadModel(dir)).rejects.toThrow(
      /model\.safetensors: sha256 [0-9a-f]{64} does not match .*copy the artifact again/,
    );
  });

  it('fails on an invalid config.json naming the key', async () => {
    const dir = await tempDir();
    await saveModel(dir, { config, weights: initRetNetWeights(config, 3) });
    const bad = Buffer.from(JSON.stringify({ ...config, num_heads: 5 }));
    await writeFile(join(dir, 'config.json'), bad);
    const sums = await readFile(join(dir, CHECKSUMS_FILE), 'utf8');
    await writeFile(join(dir, CHECKSUMS_FILE), sums.replace(/^[0-9a-f]{64}(?= {2}config\.json)/m, sha256Hex(bad)));
    await expect(loadModel(dir)).rejects.toThrow(
      /invalid RetNet config\.json: embed_dim: embed_dim 32 must be divisible by num_heads 5/,
    );
  });
});
