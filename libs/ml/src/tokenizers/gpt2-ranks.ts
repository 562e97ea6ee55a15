// Loads the GPT-2 byte-pair ranks that ship inside js-tiktoken (no network). They are ~1 MB of text and take a
// noticeable moment to parse, so they are imported on first use only and cached for the process.
import type { TiktokenBPE } from 'js-tiktoken/lite';

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_ENDOFTEXT = '<|endoftext|>';
export const GPT2_ENDOFTEXT_ID = 50256;

/** The GPT-2 encoding as data: the split regex, special tokens and every mergeable token's bytes by rank. */
export interface Gpt2Ranks {
  /** js-tiktoken's raw encoding object, handed to its `Tiktoken` encoder. */
  readonly bpe: TiktokenBPE;
  /** Pre-tokenisation regex (tiktoken's `pat_str`). */
  readonly patStr: string;
  /** `bytesByRank[rank]` = the bytes of mergeable token `rank` (ranks 0 … 50255). */
  readonly bytesByRank: readonly Uint8Array[];
  readonly specialTokens: Readonly<Record<string, number>>;
}

let loading: Promise<Gpt2Ranks> | undefined;

/** Loads (once) and returns the GPT-2 ranks. */
export function loadGpt2Ranks(): Promise<Gpt2Ranks> {
  loading ??= import('js-tiktoken/ranks/gpt2').then((module) => parseRanks(module.default));
  return loading;
}

// js-tiktoken stores ranks compactly: each line is `<ignored> <first rank> <base64 token> <base64 token> …`, the
// tokens taking consecutive ranks. Parsed here (rather than read from js-tiktoken's internals) so the engine owns the
// id → bytes table that streaming decode and the Python export use.
function parseRanks(bpe: TiktokenBPE): Gpt2Ranks {
  const bytesByRank: Uint8Array[] = [];
  for (const line of bpe.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const first = Number.parseInt(fields[1] as string, 10);
    for (let i = 2; i < fields.length; i++) {
      bytesByRank[first + i - 2] = new Uint8Array(Buffer.from(fields[i] as string, 'base64'));
    }
  }
  const mergeable = GPT2_VOCAB_SIZE - 1;
  if (bytesByRank.length !== mergeable || bytesByRank.some((b) => b === undefined)) {
    throw new Error(
      `js-tiktoken's gpt2 ranks hold ${bytesByRank.length} tokens, expected ${mergeable} contiguous ranks; ` +
        'reinstall js-tiktoken at the version pinned in package.json',
    );
  }
  return { bpe, patStr: bpe.pat_str, bytesByRank, specialTokens: bpe.special_tokens };
}
