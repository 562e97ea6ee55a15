// Samples from the shipped default model with the engine (onnxruntime-node), greedy and sampled, plus its held-out
// bits per byte from training.json against a unigram (byte frequency) baseline on the same corpus.
// node bench/training/default-model-samples.ts  (from the repository root, after `tsc -b libs/ml/tsconfig.lib.json`)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteTokenizer, generate, RetNetModel } from '@neuroforge/ml';

const root = process.cwd();
const dir = join(root, 'services/training/assets/default-model/retnet-default');
const corpus = readFileSync(join(root, 'services/training/assets/corpus/alice-in-wonderland.txt'));

async function main(): Promise<void> {
  const lineage = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8')) as { validation_loss: number };
  const counts = new Float64Array(256);
  for (const byte of corpus) counts[byte] = (counts[byte] ?? 0) + 1;
  let unigram = 0;
  for (const c of counts) if (c > 0) unigram -= (c / corpus.length) * Math.log2(c / corpus.length);
  const modelBpb = lineage.validation_loss / Math.LN2;
  console.log(JSON.stringify({ model_bits_per_byte: modelBpb, unigram_bits_per_byte: unigram }));

  const model = await RetNetModel.load(dir);
  const tokenizer = new ByteTokenizer();
  for (const prompt of ['Alice was ', 'The Queen said']) {
    const greedy = await generate(model, tokenizer, prompt, { maxNewTokens: 120, temperature: 0 });
    const sampled = await generate(model, tokenizer, prompt, {
      maxNewTokens: 120,
      temperature: 0.8,
      topK: 40,
      seed: 42n,
    });
    console.log(JSON.stringify({ prompt, greedy: greedy.text, sampled: sampled.text }));
  }
}

void main();
