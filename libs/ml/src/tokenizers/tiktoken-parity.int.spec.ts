// The PyTorch training workers must tokenize to exactly the engine's ids. This runs real Python tiktoken (and the
// worker's own tokenizer module) on the files exportGpt2Tiktoken writes and compares ids with the engine's.
// The worker's virtual environment comes from infra/scripts/python-env.sh (cached per user; the first creation on a
// fresh machine downloads the pinned wheels, hence the long beforeAll timeout).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenizer } from './registry';
import { exportGpt2Tiktoken } from './tiktoken-export';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../../..');
const SAMPLES = [
  'Hello world',
  "I'm here, aren't you? It's 2026!",
  '日本語のテキスト 🦄🧑🏾‍🚀',
  'e\u0301 a\u0300 naïve café',
  '   leading\n\n\ttabs  trailing   ',
  '<|endoftext|> inside user text',
  'def f(x):\n    return x**2  # comment\n',
  '\u00a0nbsp\u2003em\u3000ideographic １２３ ٣٤٥',
  '',
];

const PYTHON = `
import json, sys
import tiktoken
from tiktoken.load import load_tiktoken_bpe
from neuroforge_worker.tokenizers import get_tokenizer
d = sys.argv[1]
spec = json.load(open(f"{d}/gpt2.tokenizer.json"))
enc = tiktoken.Encoding(name="gpt2", pat_str=spec["pat_str"],
    mergeable_ranks=load_tiktoken_bpe(f"{d}/{spec['mergeable_ranks_file']}"),
    special_tokens=spec["special_tokens"], explicit_n_vocab=spec["explicit_n_vocab"])
samples = json.load(open(f"{d}/samples.json"))
print(json.dumps({
    "tiktoken": [enc.encode(s, disallowed_special=()) for s in samples],
    "worker_gpt2": [get_tokenizer("gpt2").encode(s) for s in samples],
    "worker_byte": [get_tokenizer("byte").encode(s) for s in samples],
}))
`;

describe('GPT-2 and byte ids: engine = Python worker', () => {
  let dir: string;
  let python: Record<'tiktoken' | 'worker_gpt2' | 'worker_byte', number[][]>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nf-tiktoken-parity-'));
    await exportGpt2Tiktoken(dir);
    await writeFile(join(dir, 'samples.json'), JSON.stringify(SAMPLES));
    const venv = (await run('bash', [join(ROOT, 'infra/scripts/python-env.sh')], { maxBuffer: 1 << 24 })).stdout.trim();
    const { stdout } = await run(join(venv, 'bin/python'), ['-c', PYTHON, dir], {
      env: {
        ...process.env,
        PYTHONPATH: join(ROOT, 'services/training/worker'),
        NEUROFORGE_GPT2_RANKS: join(dir, 'gpt2.tiktoken'),
      },
    });
    python = JSON.parse(stdout);
  }, 900_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('tiktoken built from the exported files encodes like the engine', async () => {
    const gpt2 = await createTokenizer('gpt2');
    expect(python.tiktoken).toEqual(SAMPLES.map((s) => gpt2.encode(s)));
  });

  it('the worker’s GPT-2 tokenizer, reading the exported ranks, encodes like the engine', async () => {
    const gpt2 = await createTokenizer('gpt2');
    expect(python.worker_gpt2).toEqual(SAMPLES.map((s) => gpt2.encode(s)));
  });

  it('the worker’s byte tokenizer encodes like the engine', async () => {
    const bytes = await createTokenizer('byte');
    expect(python.worker_byte).toEqual(SAMPLES.map((s) => bytes.encode(s)));
  });
});
