// Caption accuracy of trained multimodal models in the engine: for each model folder, load it with MultimodalModel,
// read every held-out PNG/WAV as bytes (sharp decoding, the WAV parser), encode, bind the media to the model and
// generate greedily from <bos> with the byte tokenizer; a caption counts when it equals the reference exactly.
// Usage: node bench/multimodal/dist/eval-synthetic.js RUN_DIR [fusion ...]   (RUN_DIR/<fusion>/{model,heldout})
// Prints one JSON line per model and a table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteTokenizer, generate, MultimodalModel } from '@neuroforge/ml';

interface Entry {
  caption: string;
  image: string | null;
  audio: string | null;
}

async function evaluate(dir: string) {
  const model = await MultimodalModel.load(join(dir, 'model'), { device: 'cpu', intraOpThreads: 1, log: () => {} });
  const tokenizer = new ByteTokenizer();
  const entries = readFileSync(join(dir, 'heldout', 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Entry);
  const perSubset = new Map<string, { hits: number; total: number }>();
  const misses: { want: string; got: string }[] = [];
  let hits = 0;
  const started = performance.now();
  for (const e of entries) {
    const read = (f: string | null) => (f ? { data: readFileSync(join(dir, 'heldout', f)) } : undefined);
    const image = read(e.image);
    const audio = read(e.audio);
    const media = await model.encode({ ...(image ? { image } : {}), ...(audio ? { audio } : {}) });
    const bound = await model.condition(media);
    const out = await generate(bound, tokenizer, '', { maxNewTokens: 40, temperature: 0 });
    const ok = out.text === e.caption;
    hits += ok ? 1 : 0;
    if (!ok && misses.length < 5) misses.push({ want: e.caption, got: out.text });
    const subset = e.image && e.audio ? 'both' : e.image ? 'image' : 'audio';
    const s = perSubset.get(subset) ?? { hits: 0, total: 0 };
    s.hits += ok ? 1 : 0;
    s.total += 1;
    perSubset.set(subset, s);
  }
  const ms = performance.now() - started;
  await model.dispose();
  return {
    fusion: model.config.fusion,
    samples: entries.length,
    accuracy: hits / entries.length,
    per_subset: Object.fromEntries([...perSubset].map(([k, v]) => [k, v.hits / v.total])),
    ms_per_sample: Math.round((ms / entries.length) * 10) / 10,
    misses,
  };
}

async function main() {
  const [runDir, ...fusions] = process.argv.slice(2);
  if (!runDir) throw new Error('usage: eval-synthetic RUN_DIR [fusion ...]');
  const list = fusions.length ? fusions : ['concat', 'cross_attention', 'gated', 'hierarchical'];
  const rows = [];
  for (const f of list) {
    const r = await evaluate(join(runDir, f));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    rows.push(r);
  }
  process.stdout.write(
    '\n| fusion | held-out | accuracy | image | audio | both | ms/sample |\n|---|---|---|---|---|---|---|\n',
  );
  for (const r of rows) {
    const p = (k: string) => ((r.per_subset[k] ?? 0) * 100).toFixed(1);
    process.stdout.write(
      `| ${r.fusion} | ${r.samples} | ${(r.accuracy * 100).toFixed(1)} % | ${p('image')} | ${p('audio')} | ${p('both')} | ${r.ms_per_sample} |\n`,
    );
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
