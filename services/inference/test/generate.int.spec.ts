// Generate / GenerateStream / Info / ModelHealth end to end over gRPC, with the service in-process on the local
// stack: validation errors, the prefix cache, the Redis response cache and the generation_completed event.
import { status } from '@grpc/grpc-js';
import { fromKafkaMessage } from '@neuroforge/events';
import { createTokenizer, generate, RetNetModel } from '@neuroforge/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallError,
  greedy,
  type InferenceHarness,
  startInference,
  streamedIds,
  streamedText,
  unique,
} from './inference-fixture';

let h: InferenceHarness;

beforeAll(async () => {
  h = await startInference({ NEUROFORGE_INFERENCE__STREAM_CHUNK_SIZE: '3' });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function rejected(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    return error as CallError;
  }
  throw new Error('the call succeeded');
}

describe('inference service over gRPC', () => {
  it('generates a completion with the served model version and timings', async () => {
    const response = await h.client.generate({ prompt: 'Hello there', parameters: greedy(12) });
    expect(response.tokenIds).toHaveLength(12);
    expect(response.finishReason).toBe('FINISH_REASON_LENGTH');
    expect(response.promptTokens).toBe(11);
    expect(response.model).toMatchObject({ name: 'tiny', version: 1, alias: 'latest', executionProvider: 'cpu' });
    expect(response.timings?.tokensGenerated).toBe(12);
    expect(response.timings?.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it('streams prompt stats, chunks of stream_chunk_size tokens and an end message with the unary text', async () => {
    const params = greedy(10);
    const unary = await h.client.generate({
      prompt: 'Stream me',
      parameters: { ...params, seed: '5', temperature: 0.9 },
    });
    const messages = await h.client.stream({
      prompt: 'Stream me',
      parameters: { ...params, seed: '5', temperature: 0.9 },
    }).done;
    expect(messages[0]?.prompt).toMatchObject({ promptTokens: 9, prefixCacheHit: false });
    expect(messages[0]?.prompt?.model).toMatchObject({ name: 'tiny', version: 1 });
    const chunks = messages.slice(1, -1);
    // The second, identical seeded request is a response-cache hit: one chunk with everything.
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    expect(streamedText(messages)).toBe(unary.text);
    expect(streamedIds(messages)).toEqual(unary.tokenIds);
    expect(messages.at(-1)?.end?.finishReason).toBe('FINISH_REASON_LENGTH');

    const fresh = await h.client.stream({ prompt: 'Another stream', parameters: params }).done;
    const freshChunks = fresh.slice(1, -1).map((m) => m.token?.tokenIds.length);
    expect(freshChunks).toEqual([3, 3, 3, 1]);
    const freshUnary = await h.client.generate({
      prompt: 'Another stream',
      parameters: { ...params, maxNewTokens: 10 },
    });
    expect(streamedText(fresh)).toBe(freshUnary.text);
  });

  it.each([
    [{ temperature: -1 }, 'parameters.temperature'],
    [{ topP: 1.5 }, 'parameters.top_p'],
    [{ repetitionPenalty: 0 }, 'parameters.repetition_penalty'],
    [{ maxNewTokens: 100_000 }, 'parameters.max_new_tokens'],
  ])('rejects %o with INVALID_ARGUMENT naming %s', async (params, field) => {
    const error = await rejected(h.client.generate({ prompt: 'x', parameters: { ...greedy(4), ...params } }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details.startsWith(field)).toBe(true);
    expect(error.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.INVALID_ARGUMENT']);
    expect(error.metadata.get('neuroforge-error-detail-bin')[0]).toBeInstanceOf(Buffer);
  });

  it('rejects a prompt longer than the model context and image input, naming the field; unknown models fail cleanly', async () => {
    const long = await rejected(h.client.generate({ prompt: 'a'.repeat(2048), parameters: greedy(1) }));
    expect([long.code, long.details.split(' ')[0]]).toEqual([status.INVALID_ARGUMENT, 'prompt']);
    const image = await rejected(
      h.client.generate({ inputs: [{ image: Buffer.from([137, 80, 78, 71]) }], parameters: greedy(1) }),
    );
    expect(image.code).toBe(status.INVALID_ARGUMENT);
    expect(image.details).toMatch(/^inputs\[0\]\.image is not supported by this model/);
    // No registry runs in this test: a model no local folder maps is UNAVAILABLE (safe to retry), not INTERNAL.
    const unknown = await rejected(h.client.generate({ model: 'nope', prompt: 'x', parameters: greedy(1) }));
    expect(unknown.code).toBe(status.UNAVAILABLE);
    expect(unknown.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.MODEL_UNAVAILABLE']);
  });

  it('fails a stream with the same status and error code as the unary call', async () => {
    const long = await rejected(h.client.stream({ prompt: 'a'.repeat(2048), parameters: greedy(1) }).done);
    expect([long.code, long.details.split(' ')[0]]).toEqual([status.INVALID_ARGUMENT, 'prompt']);
    expect(long.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.INVALID_ARGUMENT']);
    const unknown = await rejected(h.client.stream({ model: 'nope', prompt: 'x', parameters: greedy(1) }).done);
    expect(unknown.code).toBe(status.UNAVAILABLE);
    expect(unknown.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.MODEL_UNAVAILABLE']);
  });

  it('skips the prefill of a cached prompt prefix and generates exactly the cold output', async () => {
    const system = `${unique('system')} You answer briefly and precisely. `.repeat(14); // > 2 blocks of 256
    const request = { prompt: `${system}What is RetNet?`, parameters: greedy(8) };
    const cold = await h.client.stream(request).done;
    expect(cold[0]?.prompt?.prefixCacheHit).toBe(false);
    const other = await h.client.stream({ prompt: `${system}And a transformer?`, parameters: greedy(8) }).done;
    expect(other[0]?.prompt?.prefixCacheHit).toBe(true);
    // The same prompt run cold by the engine alone (generate() on the model folder) gives the same tokens.
    const model = await RetNetModel.load(h.modelDirs[0] as string, { device: 'cpu', intraOpThreads: 1, log: () => {} });
    const reference = await generate(model, await createTokenizer('byte'), `${system}And a transformer?`, {
      maxNewTokens: 8,
      temperature: 0,
    });
    await model.dispose();
    expect(streamedIds(other)).toEqual(reference.tokenIds);
    expect(await h.metrics()).toMatch(
      /neuroforge_inference_prefix_cache_queries_total\{[^}]*result="hit"[^}]*\} [1-9]/,
    );
  });

  it('answers a repeated deterministic request from the Redis response cache', async () => {
    const request = { prompt: unique('cache me'), parameters: greedy(16) };
    const first = await h.client.generate(request);
    expect(first.cache).toBe('miss');
    await new Promise((r) => setTimeout(r, 50)); // the cache write is not awaited by the response
    const second = await h.client.generate(request);
    expect(second.cache).toBe('hit');
    expect(second.tokenIds).toEqual(first.tokenIds);
    expect(second.text).toBe(first.text);
    const streamed = await h.client.stream(request).done;
    expect(streamed.slice(1, -1)).toHaveLength(1);
    expect(streamedIds(streamed)).toEqual(first.tokenIds);
    // Sampling without a seed is never cached.
    const sampled = await h.client.generate({ ...request, parameters: { ...greedy(4), temperature: 0.8 } });
    expect(sampled.cache).toBe('miss');
  });

  it('describes the loaded model and probes it with a real forward pass', async () => {
    const info = await h.client.info();
    expect(info.models).toHaveLength(1);
    expect(info.models[0]).toMatchObject({
      name: 'tiny',
      version: 1,
      aliases: ['latest'],
      requestedProvider: 'cpu',
      executionProvider: 'cpu',
      weightsSource: 'local folder',
      tokenizerId: 'byte',
      vocabSize: 272,
      limits: { maxInputTokens: 2047, maxTotalTokens: 2048, maxNewTokens: 256 },
    });
    const health = await h.client.modelHealth('tiny');
    expect(health.status).toBe('MODEL_STATUS_SERVING');
    expect(health.probeLatencyMs).toBeGreaterThan(0);
    expect((await h.client.modelHealth('other')).status).toBe('MODEL_STATUS_NOT_LOADED');
    const ready = (await (await fetch(`http://127.0.0.1:${h.service.ports.metrics}/health/ready`)).json()) as {
      dependencies: { name: string }[];
    };
    expect(ready.dependencies.map((d: { name: string }) => d.name)).toContain('model');
  });

  it('publishes generation_completed on the inference topic without the prompt text', async () => {
    const requestId = unique('req');
    const prompt = unique('secret prompt');
    await h.client.generate({ requestId, prompt, parameters: greedy(5) });
    const consumer = h.kafka.consumer({ groupId: unique('nf-test-collect'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [h.eventsTopic], fromBeginning: true });
    const found = new Promise<ReturnType<typeof fromKafkaMessage>>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const envelope = fromKafkaMessage(message);
          if (envelope.subject === `request-${requestId}`) resolve(envelope);
        },
      });
    });
    const envelope = await found;
    await consumer.disconnect();
    expect(envelope.type).toBe('neuroforge.inference.generation_completed.v1');
    expect(envelope.source).toBe('neuroforge/inference');
    expect(envelope.data).toMatchObject({
      requestId,
      model: { name: 'tiny', version: 1 },
      completionTokens: 5,
      finishReason: 'FINISH_REASON_LENGTH',
      streamed: false,
    });
    expect(JSON.stringify(envelope)).not.toContain(prompt);
  });
});
