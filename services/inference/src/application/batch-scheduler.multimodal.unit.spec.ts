// The scheduler with a real tiny multimodal model (early and late fusion): requests carrying a media prefix
// prefill from it (at absolute positions, block by block for long prompts), never touch the prefix-state cache,
// and decode in one batch with text-only requests — each request's output is exactly what generate() gives on the
// model bound to the same media.
import {
  createTokenizer,
  type DecodeState,
  type EncodedMedia,
  encodeWav,
  type FusionStrategy,
  generate,
  initMultimodalWeights,
  MultimodalModel,
  type Tokenizer,
  validateGenerationParams,
} from '@neuroforge/ml';
import { tinyMultimodalConfig } from '@neuroforge/ml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchScheduler, type PromptStats, type RequestOutcome } from './batch-scheduler';
import { PrefixStateCache } from './prefix-cache';

const BLOCK = 64;
const PARALLEL_MAX = 32;

const configFor = (fusion: FusionStrategy) => tinyMultimodalConfig(fusion, { maxSeqLen: 512 });

/** Raw RGB8 pixels of the model's size (a gradient) and a 440 Hz WAV clip. */
const image = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256);
const audio = encodeWav(
  Float32Array.from({ length: 2048 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000)),
  16000,
);

describe.each(['concat', 'cross_attention'] as const)('BatchScheduler with a %s multimodal model', (fusion) => {
  let model: MultimodalModel;
  let tokenizer: Tokenizer;
  const encoded: Record<string, EncodedMedia> = {};

  beforeAll(async () => {
    const config = configFor(fusion);
    model = await MultimodalModel.create(config, initMultimodalWeights(config, 5), {
      device: 'cpu',
      intraOpThreads: 1,
      chunkSize: BLOCK,
      parallelPrefillMax: PARALLEL_MAX,
      log: () => {},
    });
    tokenizer = await createTokenizer('byte');
    encoded.image = await model.encode({ image: { data: image } });
    encoded.audio = await model.encode({ audio: { data: audio } });
    encoded.both = await model.encode({ image: { data: image }, audio: { data: audio } });
  });
  afterAll(async () => {
    await model.dispose();
  });

  function scheduler(cache: PrefixStateCache<DecodeState>) {
    return new BatchScheduler<DecodeState>(model as never, tokenizer, {
      modelKey: `mm-${fusion}:1`,
      maxBatchSize: 16,
      maxQueue: 16,
      batchWaitMs: 5,
      blockTokens: BLOCK,
      parallelPrefillMax: PARALLEL_MAX,
      prefixCache: cache,
      stateBytes: model.stateBytesPerSequence,
    });
  }

  async function submit(s: BatchScheduler<DecodeState>, id: string, prompt: string, media?: EncodedMedia) {
    const prefix = media ? await model.mediaPrefix(media) : undefined;
    let stats: PromptStats | undefined;
    const outcome = new Promise<RequestOutcome>((resolve, reject) => {
      s.submit({
        id,
        promptTokens: tokenizer.encode(prompt),
        params: validateGenerationParams({ maxNewTokens: 8, temperature: 0 }),
        ...(prefix ? { prefix: prefix as never } : {}),
        sink: {
          prompt: (p) => {
            stats = p;
          },
          token: () => {},
          end: resolve,
          fail: reject,
        },
      });
    });
    return { outcome, stats: () => stats };
  }

  it('batches media and text requests, each exactly as generate() on the model bound to its media', async () => {
    // Short prompts (one parallel/chunk call) and long ones (> one block: resumed block by block from the prefix).
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(4); // 180 bytes: 3 blocks
    const cases = [
      { prompt: 'Caption:', media: undefined },
      { prompt: 'Describe:', media: 'image' },
      { prompt: 'Listen:', media: 'audio' },
      { prompt: 'Both:', media: 'both' },
      { prompt: long, media: 'image' },
      { prompt: `${long}?`, media: 'both' },
      { prompt: long, media: undefined },
    ] as const;
    const alone: number[][] = [];
    for (const c of cases) {
      const bound = c.media ? await model.condition(encoded[c.media] as EncodedMedia) : model;
      alone.push([...(await generate(bound, tokenizer, c.prompt, { maxNewTokens: 8, temperature: 0 })).tokenIds]);
    }
    // The media matter: the same long prompt continues differently with an image than without.
    expect(alone[4]).not.toEqual(alone[6]);
    const cache = new PrefixStateCache<DecodeState>(64 * 1024 * 1024);
    const s = scheduler(cache);
    const sizes: number[] = [];
    s.observe((e) => e.type === 'step' && sizes.push(e.batchSize));
    const runs = await Promise.all(
      cases.map((c, i) => submit(s, `m${i}`, c.prompt, c.media ? encoded[c.media] : undefined)),
    );
    const outcomes = await Promise.all(runs.map((r) => r.outcome));
    expect(outcomes.map((o) => [...o.tokenIds])).toEqual(alone);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    // Only the text-only long prompt filled the prefix-state cache (2 whole blocks before its last token).
    expect(cache.size).toBe(2);
  });

  it('never reads the prefix-state cache for a request with media', async () => {
    const cache = new PrefixStateCache<DecodeState>(64 * 1024 * 1024);
    const s = scheduler(cache);
    const long = 'Shared system prompt for every request here. '.repeat(4);
    const text = await submit(s, 't1', long);
    await text.outcome;
    const textAgain = await submit(s, 't2', long);
    await textAgain.outcome;
    expect(textAgain.stats()?.prefixCacheHit).toBe(true);
    const withImage = await submit(s, 'i1', long, encoded.image);
    const out = await withImage.outcome;
    expect(withImage.stats()?.prefixCacheHit).toBe(false);
    const bound = await model.condition(encoded.image as EncodedMedia);
    expect(out.tokenIds).toEqual(
      (await generate(bound, tokenizer, long, { maxNewTokens: 8, temperature: 0 })).tokenIds,
    );
  });
});
