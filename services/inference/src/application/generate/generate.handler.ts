// The Generate / GenerateStream use case: validate → route to a model version → response cache (deterministic
// requests) → media prefix (multimodal requests) → batch scheduler → cache the result, publish
// generation_completed. Unary and streaming share it; the stream listener receives the prompt stats and each token
// as they happen.
import { createHash, randomUUID } from 'node:crypto';
import { inference } from '@neuroforge/contracts';
import type { FinishReason } from '@neuroforge/ml';
import {
  checkMediaSupported,
  checkPromptLength,
  type GenerateInput,
  type MediaChunk,
  type ValidatedRequest,
  validateGenerateInput,
} from '../../domain/generate-request';
import { InferenceError } from '../../domain/inference-error';
import { type ModelRef, parseModelRef } from '../../domain/model-ref';
import type { PromptStats, RequestOutcome, RequestTimings } from '../batch-scheduler';
import type { ModelInstance, ModelServing } from '../model-serving';
import type { GenerationEvents } from '../ports/generation-events.port';
import type { MediaPrefix } from '../ports/model-loader.port';
import type { CachedResponse, ResponseCache } from '../ports/response-cache.port';
import type { ServingMetrics } from '../ports/serving-metrics.port';

/** The model version that served a request (ServedModel in the contract). */
export interface ServedModelInfo {
  readonly name: string;
  readonly version: number;
  readonly alias: string;
  readonly executionProvider: string;
}

export interface StreamListener {
  prompt(
    stats: PromptStats & {
      readonly requestId: string;
      readonly model: ServedModelInfo;
      /** The whole output comes from the response cache (deterministic request seen before). */
      readonly responseCacheHit: boolean;
    },
  ): void;
  /** New tokens and the text they released (one token from the scheduler; the whole output on a cache hit). */
  tokens(tokenIds: readonly number[], text: string): void;
}

export interface GenerateResult {
  readonly requestId: string;
  readonly model: ServedModelInfo;
  readonly text: string;
  readonly tokenIds: readonly number[];
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly timings: RequestTimings;
  readonly responseCacheHit: boolean;
  readonly prefixCacheHit: boolean;
}

export interface GenerateContext {
  readonly streamed: boolean;
  /** Fires when the client goes away. */
  readonly signal: AbortSignal;
  readonly listener?: StreamListener;
  readonly userId?: string;
}

export interface GenerateSettings {
  readonly defaultModel: string;
  readonly defaults: Parameters<typeof validateGenerateInput>[1];
  readonly requestTimeoutMs: number;
}

export class GenerateHandler {
  constructor(
    private readonly serving: ModelServing,
    private readonly cache: ResponseCache,
    private readonly events: GenerationEvents,
    private readonly metrics: ServingMetrics,
    private readonly settings: GenerateSettings,
  ) {}

  async execute(input: GenerateInput, context: GenerateContext): Promise<GenerateResult> {
    const arrived = performance.now();
    const requestId = input.requestId || randomUUID();
    // 1. Validate everything that does not need the model.
    const ref = parseModelRef(input.model, this.settings.defaultModel);
    const request = validateGenerateInput(input, this.settings.defaults);
    // 2. Route (loading the model on first use); the model must take the request's media.
    const instance = await this.serving.ensure(ref);
    const served = servedModel(instance, ref);
    const promptTokens = admit(instance, request);
    const media = mediaDigests(request.media);

    // 3. Deterministic requests may be answered from the response cache.
    const cacheKey = request.deterministic
      ? responseCacheKey(instance, request.text, request.params, media)
      : undefined;
    if (cacheKey) {
      const hit = await this.cache.get(cacheKey);
      this.metrics.responseCache(instance.resolved.name, hit !== undefined);
      if (hit) return this.fromCache(requestId, served, hit, arrived, context);
    }

    // 4. The batch scheduler. A text request reads the route and is submitted without an await in between, so a
    // hot swap either happened before (new version) or after (this request finishes on the old one). A request
    // with media first builds its media prefix on the routed version (decoding and encoding the media once); if
    // the route moved meanwhile, the prefix is rebuilt on the new version.
    let target = this.serving.routed(ref) ?? instance;
    let tokens = promptTokens;
    let prefix: MediaPrefix | undefined;
    for (let attempt = 1; ; attempt++) {
      if (target !== instance) tokens = admit(target, request);
      if (request.media.length === 0) break;
      prefix = await mediaPrefix(target, request.media);
      const now = this.serving.routed(ref) ?? target;
      if (now === target || attempt === MEDIA_PREFIX_ATTEMPTS) break;
      target = now;
    }
    const outcome = await this.run(requestId, target, ref, tokens, request.params, context, prefix);

    // 5. Remember deterministic outputs that ran to a natural end; tell the event stream.
    if (cacheKey && outcome.finishReason !== 'cancelled') {
      void this.cache.set(responseCacheKey(target, request.text, request.params, media), {
        text: outcome.text,
        tokenIds: outcome.tokenIds,
        finishReason: outcome.finishReason,
        promptTokens: outcome.promptTokens,
      });
    }
    const result: GenerateResult = {
      requestId,
      model: servedModel(target, ref),
      text: outcome.text,
      tokenIds: outcome.tokenIds,
      finishReason: outcome.finishReason,
      promptTokens: outcome.promptTokens,
      timings: outcome.timings,
      responseCacheHit: false,
      prefixCacheHit: outcome.prefixCacheHit,
    };
    this.publish(result, context);
    return result;
  }

  private run(
    requestId: string,
    instance: ModelInstance,
    ref: ModelRef,
    promptTokens: number[],
    params: Parameters<ModelInstance['scheduler']['submit']>[0]['params'],
    context: GenerateContext,
    prefix: MediaPrefix | undefined,
  ): Promise<RequestOutcome & { prefixCacheHit: boolean }> {
    return new Promise((resolve, reject) => {
      let prefixCacheHit = false;
      let timedOut = false;
      const handle = instance.scheduler.submit({
        id: requestId,
        promptTokens,
        params,
        ...(prefix ? { prefix } : {}),
        sink: {
          prompt: (stats) => {
            prefixCacheHit = stats.prefixCacheHit;
            context.listener?.prompt({
              ...stats,
              requestId,
              model: servedModel(instance, ref),
              responseCacheHit: false,
            });
          },
          token: (tokenId, text) => context.listener?.tokens([tokenId], text),
          end: (outcome) => {
            cleanup();
            if (timedOut) reject(InferenceError.deadlineExceeded(this.settings.requestTimeoutMs));
            else resolve({ ...outcome, prefixCacheHit });
          },
          fail: (error) => {
            cleanup();
            reject(error);
          },
        },
      });
      const onAbort = () => handle.cancel();
      const timer = setTimeout(() => {
        timedOut = true;
        handle.cancel();
      }, this.settings.requestTimeoutMs);
      timer.unref();
      const cleanup = () => {
        clearTimeout(timer);
        context.signal.removeEventListener('abort', onAbort);
      };
      if (context.signal.aborted) handle.cancel();
      else context.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private fromCache(
    requestId: string,
    served: ServedModelInfo,
    hit: CachedResponse,
    arrived: number,
    context: GenerateContext,
  ): GenerateResult {
    const elapsed = performance.now() - arrived;
    context.listener?.prompt({
      requestId,
      model: served,
      promptTokens: hit.promptTokens,
      prefixCacheHit: false,
      cachedTokens: 0,
      queueTimeMs: 0,
      responseCacheHit: true,
    });
    // One chunk: the whole cached output at once.
    context.listener?.tokens(hit.tokenIds, hit.text);
    const result: GenerateResult = {
      requestId,
      model: served,
      text: hit.text,
      tokenIds: hit.tokenIds,
      finishReason: hit.finishReason,
      promptTokens: hit.promptTokens,
      timings: { queueTimeMs: 0, timeToFirstTokenMs: elapsed, generationTimeMs: elapsed },
      responseCacheHit: true,
      prefixCacheHit: false,
    };
    this.publish(result, context);
    return result;
  }

  private publish(result: GenerateResult, context: GenerateContext): void {
    this.events.completed({
      requestId: result.requestId,
      model: result.model,
      promptTokens: result.promptTokens,
      completionTokens: result.tokenIds.length,
      finishReason: finishReasonName(result.finishReason),
      timings: {
        queueTimeMs: result.timings.queueTimeMs,
        timeToFirstTokenMs: result.timings.timeToFirstTokenMs,
        generationTimeMs: result.timings.generationTimeMs,
        tokensGenerated: tokensGenerated(result),
      },
      streamed: context.streamed,
      userId: context.userId ?? '',
    });
  }
}

/** How often a media prefix is rebuilt when hot swaps keep moving the route while it is built. */
const MEDIA_PREFIX_ATTEMPTS = 3;

/**
 * What a model version needs checked before it takes a request: its media kinds, then the tokenized prompt
 * (the instance's tokenizer; an empty prompt starts from BOS) against the context the media prefix leaves.
 */
function admit(instance: ModelInstance, request: ValidatedRequest): number[] {
  const { tokenizer, model, media } = instance.engine;
  checkMediaSupported(request.media, media?.accepts ?? []);
  const tokens = tokenizer.encode(request.text);
  if (tokens.length === 0) tokens.push(tokenizer.specialTokens.bos);
  const prefixPositions = media ? media.prefixPositions(request.media.map((m) => m.kind)) : 0;
  checkPromptLength(tokens.length, model.maxSeqLen, prefixPositions);
  return tokens;
}

/** Decodes and encodes the media once, then builds the state the prompt continues from. */
function mediaPrefix(instance: ModelInstance, media: readonly MediaChunk[]): Promise<MediaPrefix> {
  const encoder = instance.engine.media;
  if (!encoder) throw new Error(`${instance.key} takes no media`); // admit() refused such requests already
  return encoder.prefix(media);
}

/** `kind:sha256` of each media chunk, by kind (media condition the whole text wherever they appear). */
export function mediaDigests(media: readonly MediaChunk[]): string[] {
  return media
    .map((m) => `${m.kind}:${createHash('sha256').update(m.data).digest('hex')}`)
    .sort((a, b) => a.localeCompare(b));
}

export function servedModel(instance: ModelInstance, ref: ModelRef): ServedModelInfo {
  return {
    name: instance.resolved.name,
    version: instance.resolved.version,
    alias: ref.kind === 'alias' ? ref.alias : '',
    executionProvider: instance.engine.provider,
  };
}

/** Tokens generated, the end-of-sequence token not counted (GenerationTimings.tokens_generated). */
export function tokensGenerated(result: Pick<GenerateResult, 'tokenIds' | 'finishReason'>): number {
  return result.finishReason === 'eos' ? Math.max(0, result.tokenIds.length - 1) : result.tokenIds.length;
}

export function finishReasonName(reason: FinishReason): inference.FinishReason {
  switch (reason) {
    case 'length':
      return inference.FinishReason.FINISH_REASON_LENGTH;
    case 'eos':
      return inference.FinishReason.FINISH_REASON_EOS_TOKEN;
    case 'stop':
      return inference.FinishReason.FINISH_REASON_STOP_SEQUENCE;
    case 'cancelled':
      return inference.FinishReason.FINISH_REASON_CANCELLED;
  }
}

/** Model version + prompt + media digests + every parameter that changes the output. */
export function responseCacheKey(
  instance: ModelInstance,
  prompt: string,
  params: {
    maxNewTokens: number;
    temperature: number;
    topK: number;
    topP: number;
    repetitionPenalty: number;
    stop: readonly string[];
    seed?: bigint;
  },
  media: readonly string[] = [],
): string {
  const material = JSON.stringify([
    instance.key,
    prompt,
    params.maxNewTokens,
    params.temperature,
    params.topK,
    params.topP,
    params.repetitionPenalty,
    params.stop,
    // Greedy output does not depend on the seed.
    params.temperature === 0 ? null : String(params.seed),
    // Text-only keys stay what they were before media existed.
    ...(media.length ? [media] : []),
  ]);
  return createHash('sha256').update(material).digest('hex');
}
