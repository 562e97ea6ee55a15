// Writes the GPT-2 encoding in tiktoken's own file format so the PyTorch training workers tokenize to exactly the
// ids the engine produces (Python: `tiktoken.load.load_tiktoken_bpe` + `tiktoken.Encoding`; see
// docs/engine/generation.md).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GPT2_VOCAB_SIZE, loadGpt2Ranks } from './gpt2-ranks';

/** Sidecar describing an exported encoding; the Python worker builds its `tiktoken.Encoding` from it. */
export interface TiktokenEncodingSpec {
  readonly name: 'gpt2';
  /** File (relative to the spec) in `.tiktoken` format: one `<base64 token bytes> <rank>` line per mergeable token. */
  readonly mergeable_ranks_file: string;
  /** SHA-256 of the ranks file, hex, so a worker can tell it tokenizes with the same table. */
  readonly mergeable_ranks_sha256: string;
  readonly pat_str: string;
  readonly special_tokens: Readonly<Record<string, number>>;
  readonly explicit_n_vocab: number;
}

/** Renders the GPT-2 mergeable ranks as `.tiktoken` text (ranks ascending, `\n` line ends). */
export async function gpt2TiktokenFileContents(): Promise<string> {
  const { bytesByRank } = await loadGpt2Ranks();
  const lines = bytesByRank.map((bytes, rank) => `${Buffer.from(bytes).toString('base64')} ${rank}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `<dir>/gpt2.tiktoken` and `<dir>/gpt2.tokenizer.json` (the {@link TiktokenEncodingSpec}); returns the spec.
 */
export async function exportGpt2Tiktoken(dir: string): Promise<TiktokenEncodingSpec> {
  const ranksPath = join(dir, 'gpt2.tiktoken');
  const contents = await gpt2TiktokenFileContents();
  const { patStr, specialTokens } = await loadGpt2Ranks();
  const spec: TiktokenEncodingSpec = {
    name: 'gpt2',
    mergeable_ranks_file: basename(ranksPath),
    mergeable_ranks_sha256: createHash('sha256').update(contents).digest('hex'),
    pat_str: patStr,
    special_tokens: { ...specialTokens },
    explicit_n_vocab: GPT2_VOCAB_SIZE,
  };
  await mkdir(dirname(ranksPath), { recursive: true });
  await writeFile(ranksPath, contents);
  await writeFile(join(dir, 'gpt2.tokenizer.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return spec;
}
