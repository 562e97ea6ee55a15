// A model folder on disk: config.json + model.safetensors + SHA256SUMS (`sha256sum` format, one line per file).
// The checksums are verified before anything is parsed, so a corrupted or half-copied artifact fails early and
// names the file; tensor-level checks are the architecture's job (see retnet/checkpoint.ts).
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { WeightMap } from './tensor';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const CHECKSUMS_FILE = 'SHA256SUMS';

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes the three files; returns the sha256 of each data file. */
export async function writeModelDir(dir: string, config: object, tensors: WeightMap): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, Uint8Array> = {
    [CONFIG_FILE]: Buffer.from(`${JSON.stringify(config, null, 2)}\n`, 'utf8'),
    [WEIGHTS_FILE]: writeSafetensors(tensors, { format: 'pt' }),
  };
  const sums: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(dir, name), bytes);
    sums[name] = sha256Hex(bytes);
  }
  const lines = Object.entries(sums).map(([name, hex]) => `${hex}  ${name}\n`);
  await writeFile(join(dir, CHECKSUMS_FILE), lines.join(''));
  return sums;
}

/** Reads and checksum-verifies a model folder; returns the raw config JSON and the tensors. */
export async function readModelDir(dir: string): Promise<{ config: unknown; tensors: WeightMap }> {
  const sums = parseChecksums(await readText(join(dir, CHECKSUMS_FILE), dir), dir);
  const verified: Record<string, Uint8Array> = {};
  for (const name of [CONFIG_FILE, WEIGHTS_FILE]) {
    const expected = sums.get(name);
    if (!expected) {
      throw new Error(`${join(dir, CHECKSUMS_FILE)} has no line for ${name}; regenerate it with \`${fixCommand}\``);
    }
    const bytes = await readFile(join(dir, name)).catch(() => {
      throw new Error(
        `${join(dir, name)} is missing; a model folder holds ${CONFIG_FILE}, ${WEIGHTS_FILE}, ${CHECKSUMS_FILE}`,
      );
    });
    const actual = sha256Hex(bytes);
    if (actual !== expected) {
      throw new Error(
        `${join(dir, name)}: sha256 ${actual} does not match ${expected} in ${CHECKSUMS_FILE}; the file is ` +
          'corrupted or was changed after export — copy the artifact again (or, if the change is intended, ' +
          `regenerate the checksums with \`${fixCommand}\`)`,
      );
    }
    verified[name] = bytes;
  }
  let config: unknown;
  try {
    config = JSON.parse(Buffer.from(verified[CONFIG_FILE] as Uint8Array).toString('utf8'));
  } catch (err) {
    throw new Error(`${join(dir, CONFIG_FILE)} is not valid JSON: ${(err as Error).message}`);
  }
  const { tensors } = readSafetensors(verified[WEIGHTS_FILE] as Uint8Array, join(dir, WEIGHTS_FILE));
  return { config, tensors };
}

const fixCommand = `sha256sum ${CONFIG_FILE} ${WEIGHTS_FILE} > ${CHECKSUMS_FILE}`;

async function readText(path: string, dir: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path} is missing; create it in ${dir} with \`${fixCommand}\``);
  }
}

function parseChecksums(text: string, dir: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!m) throw new Error(`${join(dir, CHECKSUMS_FILE)}: cannot read line '${line}'; expected '<sha256>  <file>'`);
    sums.set(m[2] as string, m[1] as string);
  }
  return sums;
}
