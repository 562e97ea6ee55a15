// Multimodal models over gRPC, with the service in-process on the local stack: images (PNG) and audio (WAV) as
// `inputs`, alone, together and absent, against the engine's own generate() on the same folder; streaming;
// a batch mixing media and text requests; bad media and modalities a model does not take; the response cache.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { inference } from '@neuroforge/contracts';
import { createTokenizer, generate, type MediaBytes, MultimodalModel, type Tokenizer } from '@neuroforge/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallError,
  greedy,
  type InferenceHarness,
  schedulerOf,
  startInference,
  streamedIds,
  streamedText,
} from './inference-fixture';
import { pngImage, wavTone, writeMultimodalModel } from './model-folders';

let h: InferenceHarness;
let engine: MultimodalModel;
let tokenizer: Tokenizer;
let image: Buffer;
let otherImage: Buffer;
let audio: Buffer;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nf-inference-mm-'));
  const mm = await writeMultimodalModel(join(root, 'mm-1'), 'concat', 31);
  const visionOnly = await writeMultimodalModel(join(root, 'mmv-1'), 'gated', 32, ['vision']);
  h = await startInference({}, { models: { 'mm:1': mm, 'mmv:1': visionOnly } });
  engine = await MultimodalModel.load(mm, { device: 'cpu', intraOpThreads: 1, log: () => {} });
  tokenizer = await createTokenizer('byte');
  [image, otherImage] = await Promise.all([pngImage({ r: 230, g: 20, b: 20 }), pngImage({ r: 20, g: 20, b: 230 })]);
  audio = wavTone(900);
}, 90_000);

afterAll(async () => {
  await engine?.dispose();
  await h?.close();
  await rm(root, { recursive: true, force: true });
});

/** What the engine alone generates for the prompt, conditioned on the media. */
async function reference(prompt: string, media: MediaBytes, maxNewTokens: number): Promise<number[]> {
  const bound = await engine.condition(await engine.encode(media));
  return [...(await generate(bound, tokenizer, prompt, { maxNewTokens, temperature: 0 })).tokenIds];
}

async function rejected(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    return error as CallError;
  }
  throw new Error('the call succeeded');
}

/** The serialised ErrorDetail as text: its field violation's field name appears in it verbatim. */
function errorDetailText(error: CallError): string {
  const bytes = error.metadata.get('neuroforge-error-detail-bin')[0] as Buffer | undefined;
  return bytes?.toString('latin1') ?? '';
}

describe('multimodal generation over gRPC', () => {
  it('generates from an image, from audio, from both and from text alone, as the engine does', async () => {
    const cases: { inputs: inference.Input[]; media: MediaBytes }[] = [
      { inputs: [{ image }], media: { image: { data: image } } },
      { inputs: [{ audio }], media: { audio: { data: audio } } },
      { inputs: [{ image }, { audio }], media: { image: { data: image }, audio: { data: audio } } },
      { inputs: [], media: {} },
    ];
    const outputs: number[][] = [];
    for (const c of cases) {
      const response = await h.client.generate({
        model: 'mm',
        prompt: 'A picture of',
        inputs: c.inputs,
        parameters: greedy(10),
      });
      expect(response.model).toMatchObject({ name: 'mm', version: 1 });
      expect(response.finishReason).toBe('FINISH_REASON_LENGTH');
      expect(response.promptTokens).toBe(12); // the text's tokens; the media are a prefix
      expect([...response.tokenIds]).toEqual(await reference('A picture of', c.media, 10));
      outputs.push([...response.tokenIds]);
    }
    // The media reach the model: an image changes the continuation of the same text.
    expect(outputs[0]).not.toEqual(outputs[3]);
  });

  it('streams exactly what the unary call returns, with the media in the middle of the text chunks', async () => {
    await h.clearResponseCache();
    const request = {
      model: 'mm',
      prompt: '',
      inputs: [{ text: 'Sound ' }, { audio }, { text: 'and sight:' }, { image: otherImage }],
      parameters: greedy(12),
    };
    const messages = await h.client.stream(request).done;
    expect(messages[0]?.prompt).toMatchObject({ promptTokens: 16, prefixCacheHit: false });
    expect(messages.at(-1)?.end?.finishReason).toBe('FINISH_REASON_LENGTH');
    await h.clearResponseCache();
    const unary = await h.client.generate(request);
    expect(unary.cache).toBe('miss');
    expect(streamedIds(messages)).toEqual([...unary.tokenIds]);
    expect(streamedText(messages)).toBe(unary.text);
    expect([...unary.tokenIds]).toEqual(
      await reference('Sound and sight:', { image: { data: otherImage }, audio: { data: audio } }, 12),
    );
  });

  it('decodes media and text requests in one batch, each exactly as alone', async () => {
    await h.clearResponseCache();
    const variants: { inputs: inference.Input[]; media: MediaBytes }[] = [
      { inputs: [{ image }], media: { image: { data: image } } },
      { inputs: [{ audio }], media: { audio: { data: audio } } },
      { inputs: [{ image: otherImage }, { audio }], media: { image: { data: otherImage }, audio: { data: audio } } },
      { inputs: [], media: {} },
    ];
    const requests = Array.from({ length: 8 }, (_, i) => ({
      prompt: `Request ${i}:`,
      variant: variants[i % 4] as (typeof variants)[number],
      // Long enough that every request is still decoding when the last media prefix is built, even on a busy machine.
      maxNewTokens: 24 + 2 * i,
    }));
    const alone: number[][] = [];
    for (const r of requests) alone.push(await reference(r.prompt, r.variant.media, r.maxNewTokens));
    const scheduler = schedulerOf(h.serving, 'mm');
    const steps: { batchSize: number; requestIds: readonly string[] }[] = [];
    const stop = scheduler.observe((e) => e.type === 'step' && steps.push(e));
    const streams = requests.map((r, i) =>
      h.client.stream({
        requestId: `mixed-${i}`,
        model: 'mm',
        prompt: r.prompt,
        inputs: r.variant.inputs,
        parameters: greedy(r.maxNewTokens),
      }),
    );
    const results = await Promise.all(streams.map((s) => s.done));
    stop();
    expect(results.map(streamedIds)).toEqual(alone);
    // Media and text-only requests decoded in the same steps (requests 3 and 7 are text only).
    const text = (id: string) => id === 'mixed-3' || id === 'mixed-7';
    const mixed = steps.filter((s) => s.requestIds.some(text) && s.requestIds.some((id) => !text(id)));
    expect(mixed.length).toBeGreaterThan(0);
    expect(Math.max(...steps.map((s) => s.batchSize))).toBeGreaterThan(2);
  });

  it('refuses bad media with INVALID_ARGUMENT naming the input', async () => {
    const notImage = await rejected(
      h.client.generate({
        model: 'mm',
        inputs: [{ text: 'x' }, { image: Buffer.from('definitely not a picture') }],
        parameters: greedy(2),
      }),
    );
    expect(notImage.code).toBe(status.INVALID_ARGUMENT);
    expect(notImage.details).toMatch(/^inputs\[1\]\.image: not a PNG\/JPEG\/WebP image/);
    expect(notImage.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.INVALID_MEDIA']);
    expect(errorDetailText(notImage)).toContain('inputs[1].image');

    const wrongRate = await rejected(
      h.client.generate({ model: 'mm', inputs: [{ audio: wavTone(440, 44100) }], parameters: greedy(2) }),
    );
    expect(wrongRate.code).toBe(status.INVALID_ARGUMENT);
    expect(wrongRate.details).toMatch(/^inputs\[0\]\.audio: sample rate is 44100 Hz; this model takes 16000 Hz/);
    expect(wrongRate.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.INVALID_MEDIA']);

    // Streams fail the same way, before any message.
    const stream = h.client.stream({ model: 'mm', inputs: [{ audio: image }], parameters: greedy(2) });
    const streamed = await rejected(stream.done);
    expect(streamed.code).toBe(status.INVALID_ARGUMENT);
    expect(streamed.details).toMatch(/^inputs\[0\]\.audio: /);
    expect(stream.messages).toHaveLength(0);
  });

  it('refuses a modality the model does not take, saying what it takes', async () => {
    const textModel = await rejected(h.client.generate({ model: 'tiny', inputs: [{ image }], parameters: greedy(2) }));
    expect(textModel.code).toBe(status.INVALID_ARGUMENT);
    expect(textModel.details).toBe('inputs[0].image is not supported by this model (it reads text only)');
    expect(textModel.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.INVALID_ARGUMENT']);

    const visionOnly = await rejected(
      h.client.generate({ model: 'mmv', inputs: [{ image }, { audio }], parameters: greedy(2) }),
    );
    expect(visionOnly.code).toBe(status.INVALID_ARGUMENT);
    expect(visionOnly.details).toBe('inputs[1].audio is not supported by this model (it takes text and images)');
    const ok = await h.client.generate({ model: 'mmv', prompt: 'ok', inputs: [{ image }], parameters: greedy(3) });
    expect(ok.tokenIds).toHaveLength(3);

    const twoImages = await rejected(
      h.client.generate({ model: 'mm', inputs: [{ image }, { image: otherImage }], parameters: greedy(2) }),
    );
    expect(twoImages.details).toMatch(/^inputs\[1\]\.image is a second image/);
  });

  it('keys the response cache by the media: the same image hits, another image misses', async () => {
    await h.clearResponseCache();
    const ask = (img: Buffer) =>
      h.client.generate({ model: 'mm', prompt: 'Cache me', inputs: [{ image: img }], parameters: greedy(5) });
    const first = await ask(image);
    const again = await ask(image);
    const other = await ask(otherImage);
    expect([first.cache, again.cache, other.cache]).toEqual(['miss', 'hit', 'miss']);
    expect(again.tokenIds).toEqual(first.tokenIds);
    expect([...other.tokenIds]).toEqual(await reference('Cache me', { image: { data: otherImage } }, 5));
    const textOnly = await h.client.generate({ model: 'mm', prompt: 'Cache me', parameters: greedy(5) });
    expect(textOnly.cache).toBe('miss');
  });

  it('reports the multimodal architecture in Info', async () => {
    const info = await h.client.info();
    const mm = info.models.find((m) => m.name === 'mm');
    expect(mm?.architecture).toBe('ARCHITECTURE_MULTIMODAL');
    expect(info.models.find((m) => m.name === 'tiny')?.architecture).toBe('ARCHITECTURE_RETNET');
  });
});
