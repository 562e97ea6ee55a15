// Streaming SHA-256 of files (model weights can be gigabytes: never read them whole).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HashedFile {
  readonly sha256: string;
  readonly sizeBytes: number;
}

export async function hashFile(path: string): Promise<HashedFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes: size };
}

/** Copies `from` to `to` (a new file) while hashing what was copied. */
export async function copyAndHash(from: string, to: string): Promise<HashedFile> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx', mode: 0o644 }));
  return { sha256: hash.digest('hex'), sizeBytes: size };
}
