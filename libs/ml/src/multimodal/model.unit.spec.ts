// Every fusion strategy with every subset of modalities (text only, +image, +audio, all) through the LanguageModel
// port: prefill from the media prefix, recurrent decode equal to a longer prefill, chunkwise prefill equal to the
// parallel one, mixed-subset batches equal solo runs, media changing the logits, and generate() on a bound model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../generation/generate';
import { ByteTokenizer } from '../tokenizers/byte-tokenizer';
import { FUSION_STRATEGIES, type FusionStrategy, type Modality, visionTokenCount } from './config';
import { type EncodedMedia, MultimodalModel, type MultimodalState } from './model';
import { maxAbsDiff, randomPixels, randomWaveform, tinyMultimodalConfig } from './test-support';
import { initMultimodalWeights } from './weights';

const SUBSETS: Modality[][] = [[], ['vision'], ['audio'], ['vision', 'audio']];
const prompt = [256, 72, 105, 32, 116, 104, 101, 114, 101]; // <bos> "Hi there"

describe.each(FUSION_STRATEGIES)('%s fusion', (fusion: FusionStrategy) => {
  const config = tinyMultimodalConfig(fusion);
  let model: MultimodalModel;
  let chunked: MultimodalModel;
  const media: Record<string, EncodedMedia> = {};

  beforeAll(async () => {
    const weights = initMultimodalWeights(config, 21);
    const opts = { device: 'cpu' as const, intraOpThreads: 1, log: () => {} };
    model = await MultimodalModel.create(config, weights, opts);
    // Same weights, prompts always through the chunkwise form in chunks of 4.
    chunked = await MultimodalModel.create(config, weights, { ...opts, parallelPrefillMax: 0, chunkSize: 4 });
    const vision = await model.encodeBatch('vision', randomPixels(1, 16, 4), 1);
    const audio = await model.encodeBatch('audio', randomWaveform(1, 2048, 6), 1);
    for (const subset of SUBSETS) {
      media[subset.join('+')] = Object.fromEntries(subset.map((m) => [m, m === 'vision' ? vision : audio]));
    }
  });
  afterAll(async () => {
    await model.dispose();
    await chunked.dispose();
  });

  const name = (subset: Modality[]) => (subset.length ? `text+${subset.join('+')}` : 'text only');

  it.each(SUBSETS.map((s) => [name(s), s] as const))(
    '%s: recurrent decode equals a longer prefill',
    async (_, subset) => {
      const m = media[subset.join('+')] as EncodedMedia;
      const prefix = await model.mediaPrefix(m);
      const expectedStart = fusion === 'concat' ? subset.reduce((n, x) => n + (x === 'vision' ? 16 : 15), 0) : 0;
      expect(prefix.position).toBe(expectedStart);
      expect(model.prefixPositions(subset)).toBe(expectedStart);
      const first = await model.prefill(prompt, prefix);
      expect(first.logits.length).toBe(259);
      expect(first.logits.every(Number.isFinite)).toBe(true);
      expect(first.position).toBe(expectedStart + prompt.length);
      let state = first.state;
      let logits = first.logits;
      const extra = [65, 66, 67];
      for (const [i, t] of extra.entries()) {
        const step = await model.decodeStep([t], [first.position + i], state);
        state = step.state;
        logits = step.logits;
      }
      const whole = await model.prefill([...prompt, ...extra], await model.mediaPrefix(m));
      expect(maxAbsDiff(logits, whole.logits)).toBeLessThan(1e-4);
      // The chunkwise path (several chunks, continuing from the prefix state) computes the same numbers.
      const viaChunks = await chunked.prefill([...prompt, ...extra], await chunked.mediaPrefix(m));
      expect(maxAbsDiff(viaChunks.logits, whole.logits)).toBeLessThan(1e-4);
    },
  );

  it.each(SUBSETS.filter((s) => s.length).map((s) => [name(s), s] as const))(
    '%s: the media change the logits',
    async (_, subset) => {
      const withMedia = await model.prefill(prompt, await model.mediaPrefix(media[subset.join('+')] as EncodedMedia));
      const textOnly = await model.prefill(prompt);
      expect(maxAbsDiff(withMedia.logits, textOnly.logits)).toBeGreaterThan(1e-3);
    },
  );

  it('decodes a batch mixing every subset exactly as each sequence alone', async () => {
    const solo: { state: MultimodalState; position: number; token: number }[] = [];
    for (const [i, subset] of SUBSETS.entries()) {
      const p = await model.prefill(
        prompt.slice(0, 3 + i),
        await model.mediaPrefix(media[subset.join('+')] as EncodedMedia),
      );
      solo.push({ state: p.state, position: p.position, token: 70 + i });
    }
    const batched = await model.decodeStep(
      solo.map((s) => s.token),
      solo.map((s) => s.position),
      model.stackStates(solo.map((s) => s.state)),
    );
    expect(batched.logits.length).toBe(4 * 259);
    for (const [b, s] of solo.entries()) {
      const alone = await model.decodeStep([s.token], [s.position], s.state);
      expect(maxAbsDiff(batched.logits.slice(b * 259, (b + 1) * 259), alone.logits)).toBeLessThan(1e-4);
    }
    const split = model.splitState(batched.state);
    expect(split).toHaveLength(4);
    // stateBytesPerSequence accounts for everything one sequence's state holds (text state + late-fusion memory).
    const one = split[0] as MultimodalState;
    const floats =
      one.text.layers.reduce((n, l) => n + l.length, 0) +
      Object.values(one.memory).reduce((n, mem) => n + (mem?.tokens.length ?? 0) + (mem?.present.length ?? 0), 0);
    expect(model.stateBytesPerSequence).toBe(floats * 4);
    expect(model.stackStates(split).text.layers[0]).toEqual(batched.state.text.layers[0]);
  });

  it('generates greedily from a model bound to its media, reproducibly', async () => {
    const bound = await model.condition(media['vision+audio'] as EncodedMedia);
    const offset = fusion === 'concat' ? visionTokenCount(config.vision as NonNullable<typeof config.vision>) + 15 : 0;
    expect(bound.maxSeqLen).toBe(config.text.max_seq_len - offset);
    const tokenizer = new ByteTokenizer();
    const a = await generate(bound, tokenizer, 'Hi', { maxNewTokens: 6, temperature: 0 });
    const b = await generate(bound, tokenizer, 'Hi', { maxNewTokens: 6, temperature: 0 });
    expect(a.tokenIds.length).toBeGreaterThan(0);
    expect(b.tokenIds).toEqual(a.tokenIds);
  });
});
