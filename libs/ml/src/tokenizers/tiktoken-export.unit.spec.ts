import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenizer } from './registry';
import { exportGpt2Tiktoken } from './tiktoken-export';

describe('exportGpt2Tiktoken', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nf-tiktoken-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const spec = await exportGpt2Tiktoken(dir);
  const lines = (await readFile(join(dir, spec.mergeable_ranks_file), 'utf8')).trimEnd().split('\n');

  it('writes one "<base64> <rank>" line per mergeable token, ranks 0 … 50255 in order', () => {
    expect(lines).toHaveLength(50256);
    expect(lines[0]).toBe('IQ== 0'); // "!"
    expect(lines.every((line, rank) => line.endsWith(` ${rank}`))).toBe(true);
  });

  it('maps each rank to the bytes the engine decodes that id to', async () => {
    const gpt2 = await createTokenizer('gpt2');
    for (const id of [0, 262, 995, 15496, 50255]) {
      const [b64] = (lines[id] as string).split(' ');
      expect(Buffer.from(b64 as string, 'base64')).toEqual(Buffer.from(gpt2.tokenBytes(id)));
    }
  });

  it('writes a sidecar spec with the regex, specials, vocab size and checksum', async () => {
    const onDisk = JSON.parse(await readFile(join(dir, 'gpt2.tokenizer.json'), 'utf8'));
    expect(onDisk).toEqual(spec);
    expect(spec.special_tokens).toEqual({ '<|endoftext|>': 50256 });
    expect(spec.explicit_n_vocab).toBe(50257);
    expect(spec.pat_str).toContain('\\p{L}');
    expect(spec.mergeable_ranks_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
