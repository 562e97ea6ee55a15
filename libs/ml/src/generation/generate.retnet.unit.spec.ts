// generate() and the per-sequence step on the real RetNet runtime (tiny random weights, ORT CPU): the model port as
// generation uses it, and a continuous-batching loop over RetNetModel.decodeStep reproducing generate() per request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetNetModel, type RetNetState } from '../retnet/model';
import { tinyConfig } from '../retnet/test-support';
import { initRetNetWeights } from '../retnet/weights';
import { ByteTokenizer } from '../tokenizers/byte-tokenizer';
import { type GenerationResult, generate, type TokenEvent } from './generate';
import type { GenerationParamsInput } from './params';
import { admitSequence, decodeActive, type LiveSequence } from './test-support';
import { argmax } from './token-selector';

const config = tinyConfig(); // vocab_size 300 ≥ the byte tokenizer's 259
const bytes = new ByteTokenizer();
let model: RetNetModel;

beforeAll(async () => {
  const weights = initRetNetWeights(config, 21, { randomAffine: true });
  model = await RetNetModel.create(config, weights, { device: 'cpu', intraOpThreads: 1, chunkSize: 16, log: () => {} });
});
afterAll(async () => {
  await model.dispose();
});

describe('generate on RetNetModel', () => {
  it('greedy output is deterministic and starts with the argmax of the prefill logits over the tokenizer ids', async () => {
    const a = await generate(model, bytes, 'The cat', { temperature: 0, maxNewTokens: 20 });
    const b = await generate(model, bytes, 'The cat', { temperature: 0, maxNewTokens: 20 });
    expect(a.tokenIds).toEqual(b.tokenIds);
    expect(a.tokenIds.every((id) => id < bytes.vocabSize)).toBe(true); // padded ids 259 … 299 are never chosen
    const prefill = await model.prefill(bytes.encode('The cat'));
    expect(a.tokenIds[0]).toBe(argmax(prefill.logits.subarray(0, bytes.vocabSize)));
  });

  it('streams deltas that add up to the final text', async () => {
    const events: TokenEvent[] = [];
    const result = await generate(
      model,
      bytes,
      'abc',
      { seed: 4, maxNewTokens: 24 },
      { onToken: (e) => void events.push(e) },
    );
    expect(events.map((e) => e.text).join('')).toBe(result.text);
    expect(events).toHaveLength(result.completionTokens);
  });

  it('a continuous-batching loop over decodeStep reproduces generate() for every request', async () => {
    const requests: { prompt: string; params: GenerationParamsInput; admitAt: number }[] = [
      { prompt: 'Once upon a time', params: { temperature: 0, maxNewTokens: 12 }, admitAt: 0 },
      { prompt: 'x', params: { seed: 5, temperature: 0.9, topK: 40, maxNewTokens: 9 }, admitAt: 0 },
      { prompt: 'Hello, world!', params: { seed: 6, topP: 0.9, repetitionPenalty: 1.2, maxNewTokens: 10 }, admitAt: 3 },
    ];
    const alone: GenerationResult[] = [];
    for (const r of requests) alone.push(await generate(model, bytes, r.prompt, r.params));

    const live: LiveSequence<RetNetState>[] = [];
    let active: LiveSequence<RetNetState>[] = [];
    for (let iteration = 0; live.length < requests.length || active.length > 0; iteration++) {
      // Admit requests whose time has come: prefill alone, first token from the prefill logits.
      for (const r of requests.filter((q) => q.admitAt === iteration)) {
        const entry = await admitSequence(model, bytes, r.prompt, r.params);
        live.push(entry);
        if (!entry.sequence.finished) active.push(entry);
      }
      if (active.length === 0) continue;
      // One recurrent step for every unfinished sequence, at their different positions.
      active = await decodeActive(model, active);
    }

    live.forEach((s, i) => {
      expect(s.sequence.tokenIds).toEqual(alone[i]?.tokenIds);
      expect(s.sequence.text).toBe(alone[i]?.text);
      expect(s.sequence.finishReason).toBe('length');
    });
  });
});
