// Dataset bytes in the artifact folder, content-addressed: `<artifact_dir>/datasets/sha256/<2 hex>/<hex>`,
// written to a temporary name and renamed, read-only once in place.
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DatasetStorage, StoredDatasetFile } from '../application/ports/dataset-storage.port';
import { InvalidArgumentError } from '../domain/training.errors';

/** Largest dataset read from a URI into memory (inline content is bounded by the gRPC message limit). */
const MAX_BYTES = 1024 * 1024 * 1024;

export class FilesystemDatasetStorage implements DatasetStorage {
  constructor(readonly root: string) {}

  async read(uri: string): Promise<Buffer> {
    const bad = (description: string) => new InvalidArgumentError([{ field: 'uri', description }]);
    if (!uri.startsWith('file://')) throw bad(`only file:// URIs can be read, got ${uri}`);
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      throw bad(`${uri} is not a valid file:// URI`);
    }
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw bad(`${path} is not a readable regular file`);
    if (info.size > MAX_BYTES) throw bad(`${path} is ${info.size} bytes; at most ${MAX_BYTES} are accepted`);
    return readFile(path);
  }

  async store(content: Buffer): Promise<StoredDatasetFile> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const path = this.path(sha256);
    const present = await stat(path).catch(() => undefined);
    if (present?.size !== content.byteLength) {
      await mkdir(join(this.root, 'datasets', 'tmp'), { recursive: true });
      await mkdir(join(this.root, 'datasets', 'sha256', sha256.slice(0, 2)), { recursive: true });
      const tmp = join(this.root, 'datasets', 'tmp', randomUUID());
      try {
        await writeFile(tmp, content);
        await chmod(tmp, 0o444);
        await rename(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    return { sha256, sizeBytes: content.byteLength, uri: pathToFileURL(path).href };
  }

  pathOf(uri: string): string {
    return fileURLToPath(uri);
  }

  private path(sha256: string): string {
    return join(this.root, 'datasets', 'sha256', sha256.slice(0, 2), sha256);
  }
}
