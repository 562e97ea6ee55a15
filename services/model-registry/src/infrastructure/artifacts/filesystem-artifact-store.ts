// The artifact store on a filesystem: content-addressed by SHA-256 under `<root>/sha256/<first 2 hex>/<hex>`.
// Writes go to `<root>/tmp/` first and are renamed into place only once their hash is checked, so a half-copied
// or wrong file never appears under its hash. Reads are verified before a version is served: size always, the
// hash again whenever the file's (size, mtime, inode) changed since it was last verified or the last check is
// older than `recheckAfterMs` (and always when the caller asks for a full check).
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DomainError } from '@neuroforge/events';
import type { ArtifactInput, ArtifactStore, VerifyOptions } from '../../application/ports/artifact-store.port';
import { InvalidArgumentError, ModelErrorCode } from '../../domain/model.errors';
import type { ArtifactKind, ArtifactRecord } from '../../domain/model.types';
import { copyAndHash, hashFile } from './file-hash';

interface Verified {
  size: number;
  mtimeMs: number;
  ino: number;
  at: number;
}

export interface FilesystemArtifactStoreOptions {
  /** Re-hash a file that looks unchanged once its last verification is this old (default 10 minutes). */
  recheckAfterMs?: number;
}

export class FilesystemArtifactStore implements ArtifactStore {
  private readonly verified = new Map<string, Verified>();
  private readonly recheckAfterMs: number;

  constructor(
    readonly root: string,
    options: FilesystemArtifactStoreOptions = {},
  ) {
    this.recheckAfterMs = options.recheckAfterMs ?? 10 * 60_000;
  }

  pathOf(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  uriOf(sha256: string): string {
    return pathToFileURL(this.pathOf(sha256)).href;
  }

  async ingest(input: ArtifactInput): Promise<ArtifactRecord> {
    const ownUri = this.uriOf(input.sha256);
    if (input.uri === '' || input.uri === ownUri) {
      // Already stored under its hash: check the bytes really have it.
      const actual = await hashFile(this.pathOf(input.sha256)).catch(() => undefined);
      if (!actual) {
        throw new DomainError(
          ModelErrorCode.ARTIFACT_NOT_FOUND,
          `artifact ${input.name}: nothing is stored under sha256 ${input.sha256}; give its file:// uri so the ` +
            'registry can import it',
          { artifact: input.name, sha256: input.sha256 },
        );
      }
      this.checkRecorded(input, actual.sha256, actual.sizeBytes);
      await this.remember(input.sha256);
      return this.record(input, actual.sizeBytes);
    }
    if (!input.uri.startsWith('file://')) {
      throw new InvalidArgumentError([
        { field: 'uri', description: `artifact ${input.name}: only file:// sources can be imported, got ${input.uri}` },
      ]);
    }
    const stored = await this.storeFile(fileURLToPath(input.uri), input);
    return this.record(input, stored.sizeBytes);
  }

  async verify(artifact: ArtifactRecord, options: VerifyOptions = {}): Promise<void> {
    const path = this.pathOf(artifact.sha256);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw this.corrupted(artifact, 'the stored file is missing');
    if (String(info.size) !== artifact.sizeBytes) {
      this.verified.delete(artifact.sha256);
      throw this.corrupted(artifact, `size is ${info.size} bytes, expected ${artifact.sizeBytes}`);
    }
    const seen = this.verified.get(artifact.sha256);
    const unchanged =
      seen !== undefined &&
      seen.size === info.size &&
      seen.mtimeMs === info.mtimeMs &&
      seen.ino === info.ino &&
      Date.now() - seen.at < this.recheckAfterMs;
    if (unchanged && !options.full) return;
    const actual = await hashFile(path);
    if (actual.sha256 !== artifact.sha256) {
      this.verified.delete(artifact.sha256);
      throw this.corrupted(artifact, `sha256 is ${actual.sha256}, expected ${artifact.sha256}`);
    }
    this.verified.set(artifact.sha256, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, at: Date.now() });
  }

  async importModelDirectory(dir: string): Promise<ArtifactRecord[]> {
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
    const listed = names.includes('SHA256SUMS') ? parseChecksums(await readFile(join(dir, 'SHA256SUMS'), 'utf8')) : {};
    const records: ArtifactRecord[] = [];
    for (const name of names) {
      // A folder's SHA256SUMS is the exporter's word on each file: a file that disagrees is refused.
      const input: ArtifactInput = { name, sha256: listed[name] ?? '', sizeBytes: '0', kind: kindOf(name), uri: '' };
      const stored = await this.storeFile(join(dir, name), input);
      records.push(this.record({ ...input, sha256: stored.sha256 }, stored.sizeBytes));
    }
    return records;
  }

  /** Copies a file in under its hash; with `expected.sha256` set, a different hash refuses it. */
  private async storeFile(source: string, expected: ArtifactInput): Promise<{ sha256: string; sizeBytes: number }> {
    const info = await stat(source).catch(() => undefined);
    if (!info?.isFile()) {
      throw new DomainError(
        ModelErrorCode.ARTIFACT_NOT_FOUND,
        `artifact ${expected.name}: ${source} is not a readable regular file`,
        { artifact: expected.name, path: source },
      );
    }
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    try {
      const actual = await copyAndHash(source, tmp);
      if (expected.sha256 !== '') this.checkRecorded(expected, actual.sha256, actual.sizeBytes, source);
      const target = this.pathOf(actual.sha256);
      await mkdir(join(this.root, 'sha256', actual.sha256.slice(0, 2)), { recursive: true });
      const present = await hashFile(target).catch(() => undefined);
      if (present?.sha256 !== actual.sha256) {
        // New content, or a damaged copy under this hash that the fresh bytes repair.
        await chmod(tmp, 0o444);
        await rename(tmp, target);
      }
      await this.remember(actual.sha256);
      return actual;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private checkRecorded(input: ArtifactInput, sha256: string, sizeBytes: number, source?: string): void {
    const where = source ? ` (${source})` : '';
    if (sha256 !== input.sha256) {
      throw new DomainError(
        ModelErrorCode.ARTIFACT_HASH_MISMATCH,
        `artifact ${input.name}${where}: sha256 is ${sha256}, but ${input.sha256} was recorded; the file is not ` +
          'the one the hash was computed from — recompute the hash or upload the right file',
        { artifact: input.name, expected_sha256: input.sha256, actual_sha256: sha256 },
      );
    }
    if (input.sizeBytes !== '0' && input.sizeBytes !== String(sizeBytes)) {
      throw new DomainError(
        ModelErrorCode.ARTIFACT_HASH_MISMATCH,
        `artifact ${input.name}${where}: size is ${sizeBytes} bytes, but ${input.sizeBytes} was recorded`,
        { artifact: input.name, expected_size_bytes: input.sizeBytes, actual_size_bytes: String(sizeBytes) },
      );
    }
  }

  private async remember(sha256: string): Promise<void> {
    const info = await stat(this.pathOf(sha256));
    this.verified.set(sha256, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, at: Date.now() });
  }

  private record(input: ArtifactInput, sizeBytes: number): ArtifactRecord {
    return {
      name: input.name,
      sha256: input.sha256,
      sizeBytes: String(sizeBytes),
      kind: input.kind,
      uri: this.uriOf(input.sha256),
    };
  }

  private corrupted(artifact: ArtifactRecord, problem: string): DomainError {
    return new DomainError(
      ModelErrorCode.ARTIFACT_CORRUPTED,
      `artifact ${artifact.name} at ${this.pathOf(artifact.sha256)}: ${problem}; it was changed or damaged after ` +
        'registration and will not be served — restore the file or register a new version',
      { artifact: artifact.name, sha256: artifact.sha256 },
    );
  }
}

/** What a file in a model folder holds, by its name. */
export function kindOf(name: string): ArtifactKind {
  if (name === 'config.json') return 'ARTIFACT_KIND_CONFIG';
  if (name.endsWith('.safetensors')) return 'ARTIFACT_KIND_SAFETENSORS';
  if (name.endsWith('.onnx')) return 'ARTIFACT_KIND_ONNX_GRAPH';
  if (name.startsWith('tokenizer') || name.endsWith('.tiktoken')) return 'ARTIFACT_KIND_TOKENIZER';
  return 'ARTIFACT_KIND_OTHER';
}

/** `sha256sum` output → file name → hash. */
function parseChecksums(text: string): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) sums[match[2]] = match[1];
  }
  return sums;
}
