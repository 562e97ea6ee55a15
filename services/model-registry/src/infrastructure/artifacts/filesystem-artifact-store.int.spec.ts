// The content-addressed artifact store on a real (temporary) filesystem.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DomainError } from '@neuroforge/events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactInput } from '../../application/ports/artifact-store.port';
import { FilesystemArtifactStore } from './filesystem-artifact-store';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let root: string;
let sources: string;
let store: FilesystemArtifactStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nf-cas-'));
  sources = await mkdtemp(join(tmpdir(), 'nf-cas-src-'));
  store = new FilesystemArtifactStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(sources, { recursive: true, force: true });
});

async function source(name: string, bytes: Buffer): Promise<ArtifactInput> {
  const path = join(sources, name);
  await writeFile(path, bytes);
  return {
    name,
    sha256: sha256(bytes),
    sizeBytes: String(bytes.length),
    kind: 'ARTIFACT_KIND_OTHER',
    uri: pathToFileURL(path).href,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('FilesystemArtifactStore', () => {
  it('stores a file under <root>/sha256/<2 hex>/<hex>, read-only, and returns its URI', async () => {
    const bytes = randomBytes(1000);
    const record = await store.ingest(await source('w.bin', bytes));
    const hex = sha256(bytes);
    const path = join(root, 'sha256', hex.slice(0, 2), hex);
    expect(record).toEqual({
      name: 'w.bin',
      sha256: hex,
      sizeBytes: '1000',
      kind: 'ARTIFACT_KIND_OTHER',
      uri: pathToFileURL(path).href,
    });
    expect(await readFile(path)).toEqual(bytes);
    expect((await stat(path)).mode & 0o777).toBe(0o444);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a file whose hash differs from the recorded one, naming file, expected and actual hash', async () => {
    const input = await source('w.bin', randomBytes(64));
    const wrong = '0'.repeat(64);
    const { code, message } = await codeOf(store.ingest({ ...input, sha256: wrong }));
    expect(code).toBe('MODELS.ARTIFACT_HASH_MISMATCH');
    expect(message).toContain('w.bin');
    expect(message).toContain(wrong);
    expect(message).toContain(input.sha256);
    expect(await readdir(join(root, 'sha256')).catch(() => [])).toEqual([]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a recorded size that does not match', async () => {
    const input = await source('w.bin', randomBytes(64));
    expect((await codeOf(store.ingest({ ...input, sizeBytes: '65' }))).code).toBe('MODELS.ARTIFACT_HASH_MISMATCH');
  });

  it('accepts an already stored hash without a URI and refuses an unknown one', async () => {
    const input = await source('w.bin', randomBytes(64));
    await store.ingest(input);
    await expect(store.ingest({ ...input, uri: '' })).resolves.toMatchObject({ sha256: input.sha256 });
    expect((await codeOf(store.ingest({ ...input, sha256: '1'.repeat(64), uri: '' }))).code).toBe(
      'MODELS.ARTIFACT_NOT_FOUND',
    );
  });

  it('detects a stored file changed after it was verified, even with the same size', async () => {
    const record = await store.ingest(await source('w.bin', randomBytes(256)));
    await store.verify(record);
    const path = store.pathOf(record.sha256);
    await chmod(path, 0o644);
    await writeFile(path, randomBytes(256));
    const { code, message } = await codeOf(store.verify(record));
    expect(code).toBe('MODELS.ARTIFACT_CORRUPTED');
    expect(message).toContain('w.bin');
  });

  it('re-hashes on request even when size and mtime were restored', async () => {
    const record = await store.ingest(await source('w.bin', randomBytes(256)));
    const path = store.pathOf(record.sha256);
    const before = await stat(path);
    await chmod(path, 0o644);
    await writeFile(path, randomBytes(256));
    await utimes(path, before.atime, before.mtime);
    await expect(store.verify(record, { full: true })).rejects.toThrow(/sha256 is/);
  });

  it('refuses a missing or truncated stored file', async () => {
    const record = await store.ingest(await source('w.bin', randomBytes(256)));
    await chmod(store.pathOf(record.sha256), 0o644);
    await writeFile(store.pathOf(record.sha256), randomBytes(10));
    expect((await codeOf(store.verify(record))).message).toContain('size is 10 bytes');
    await rm(store.pathOf(record.sha256));
    expect((await codeOf(store.verify(record))).message).toContain('missing');
  });

  it('imports a model folder, checking each file against its SHA256SUMS line', async () => {
    const config = Buffer.from('{"a":1}');
    const weights = randomBytes(512);
    await writeFile(join(sources, 'config.json'), config);
    await writeFile(join(sources, 'model.safetensors'), weights);
    await writeFile(
      join(sources, 'SHA256SUMS'),
      `${sha256(config)}  config.json\n${sha256(weights)}  model.safetensors\n`,
    );
    const records = await store.importModelDirectory(sources);
    expect(records.map((r) => [r.name, r.kind])).toEqual([
      ['SHA256SUMS', 'ARTIFACT_KIND_OTHER'],
      ['config.json', 'ARTIFACT_KIND_CONFIG'],
      ['model.safetensors', 'ARTIFACT_KIND_SAFETENSORS'],
    ]);
    expect(records[2]?.sha256).toBe(sha256(weights));

    await writeFile(join(sources, 'model.safetensors'), randomBytes(512));
    const { code, message } = await codeOf(store.importModelDirectory(sources));
    expect(code).toBe('MODELS.ARTIFACT_HASH_MISMATCH');
    expect(message).toContain('model.safetensors');
  });
});
