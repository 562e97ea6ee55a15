// InferenceService over gRPC: maps the contract's messages to the generate use case and back. A call the client
// cancels (or a stream it drops) aborts its request, which leaves the batch at the next step.
import { Metadata, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { inference, models } from '@neuroforge/contracts';
import { GrpcErrorFilter } from '@neuroforge/service-kit';
import { Observable } from 'rxjs';
import {
  finishReasonName,
  type GenerateHandler,
  type GenerateResult,
  tokensGenerated,
} from '../application/generate/generate.handler';
import type { ModelInstance, ModelServing } from '../application/model-serving';
import type { ServedArchitecture } from '../application/ports/model-loader.port';
import { InferenceError } from '../domain/inference-error';
import { parseModelRef, refKey } from '../domain/model-ref';
import { INFERENCE_SETTINGS, type InferenceSettings } from '../infrastructure/inference-settings';
import { GENERATE_HANDLER, MODEL_SERVING } from './tokens';

const SERVER_VERSION = '0.1.0';
const ARCHITECTURES: Record<ServedArchitecture, models.Architecture> = {
  retnet: models.Architecture.ARCHITECTURE_RETNET,
  moe_retnet: models.Architecture.ARCHITECTURE_MOE_RETNET,
  multimodal: models.Architecture.ARCHITECTURE_MULTIMODAL,
};
const USER_ID_METADATA = 'neuroforge-user-id';
const RESPONSE_CACHE_METADATA = 'neuroforge-response-cache';

// Every failure, of a unary call or a stream, becomes a status in the kit's filter (statuses in grpc-errors.ts).
@Controller()
@UseFilters(GrpcErrorFilter)
@inference.InferenceServiceControllerMethods()
export class InferenceGrpcController implements inference.InferenceServiceController {
  constructor(
    @Inject(GENERATE_HANDLER) private readonly generateHandler: GenerateHandler,
    @Inject(MODEL_SERVING) private readonly serving: ModelServing,
    @Inject(INFERENCE_SETTINGS) private readonly settings: InferenceSettings,
  ) {}

  async generate(
    request: inference.GenerateRequest,
    metadata?: Metadata,
    call?: ServerUnaryCall<unknown, unknown>,
  ): Promise<inference.GenerateResponse> {
    const abort = new AbortController();
    call?.on('cancelled', () => abort.abort());
    const result = await this.generateHandler.execute(request, {
      streamed: false,
      signal: abort.signal,
      userId: userId(metadata),
    });
    if (abort.signal.aborted) throw InferenceError.cancelled();
    sendCacheMetadata(call, result.responseCacheHit);
    return {
      requestId: result.requestId,
      text: result.text,
      tokenIds: [...result.tokenIds],
      finishReason: finishReasonName(result.finishReason),
      promptTokens: result.promptTokens,
      timings: timings(result),
      model: result.model,
    };
  }

  generateStream(
    request: inference.GenerateStreamRequest,
    metadata?: Metadata,
    call?: ServerWritableStream<unknown, unknown>,
  ): Observable<inference.GenerateStreamResponse> {
    const chunkSize = this.settings.streamChunkSize;
    return new Observable<inference.GenerateStreamResponse>((subscriber) => {
      const abort = new AbortController();
      let ids: number[] = [];
      let text = '';
      const flush = () => {
        if (ids.length === 0 && text === '') return;
        subscriber.next({ token: { text, tokenIds: ids } });
        ids = [];
        text = '';
      };
      this.generateHandler
        .execute(request, {
          streamed: true,
          signal: abort.signal,
          userId: userId(metadata),
          listener: {
            prompt: (stats) => {
              sendCacheMetadata(call, stats.responseCacheHit);
              subscriber.next({
                prompt: {
                  requestId: stats.requestId,
                  promptTokens: stats.promptTokens,
                  prefixCacheHit: stats.prefixCacheHit,
                  queueTimeMs: stats.queueTimeMs,
                  model: stats.model,
                },
              });
            },
            tokens: (tokenIds, delta) => {
              ids.push(...tokenIds);
              text += delta;
              // A cache hit arrives as one group of tokens and streams as one chunk.
              if (ids.length >= chunkSize || tokenIds.length > 1) flush();
            },
          },
        })
        .then((result) => {
          flush();
          subscriber.next({ end: { finishReason: finishReasonName(result.finishReason), timings: timings(result) } });
          subscriber.complete();
        })
        .catch((error: unknown) => subscriber.error(error));
      // Unsubscribed when the client cancels or disconnects: the request leaves the batch at its next step.
      return () => abort.abort();
    });
  }

  info(): inference.InfoResponse {
    const instances = this.serving.loaded();
    return {
      models: instances.map((instance) => this.loadedModel(instance)),
      serverVersion: SERVER_VERSION,
      availableProviders: [...new Set([...instances.map((i) => i.engine.provider), 'cpu'])],
    };
  }

  async modelHealth(request: inference.ModelHealthRequest): Promise<inference.ModelHealthResponse> {
    const ref = parseModelRef(request.model, this.settings.defaultModel);
    const instance = this.serving.routed(ref);
    if (!instance) {
      return {
        model: null,
        status: inference.ModelStatus.MODEL_STATUS_NOT_LOADED,
        probeLatencyMs: 0,
        detail: `${refKey(ref)} is not loaded on this server`,
      };
    }
    const served = {
      name: instance.resolved.name,
      version: instance.resolved.version,
      alias: ref.kind === 'alias' ? ref.alias : '',
      executionProvider: instance.engine.provider,
    };
    const started = performance.now();
    try {
      // A real forward pass of one token (the model's sessions accept concurrent runs).
      const out = await instance.engine.model.prefill([instance.engine.tokenizer.specialTokens.bos]);
      if (!out.logits.every(Number.isFinite)) throw new Error('the probe produced non-finite logits');
      return {
        model: served,
        status: inference.ModelStatus.MODEL_STATUS_SERVING,
        probeLatencyMs: performance.now() - started,
        detail: '',
      };
    } catch (error) {
      return {
        model: served,
        status: inference.ModelStatus.MODEL_STATUS_NOT_SERVING,
        probeLatencyMs: performance.now() - started,
        detail: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private loadedModel(instance: ModelInstance): inference.LoadedModel {
    const { engine, resolved } = instance;
    const maxSeqLen = engine.model.maxSeqLen;
    return {
      name: resolved.name,
      version: resolved.version,
      aliases: this.serving.aliasesOf(instance),
      architecture: ARCHITECTURES[engine.architecture],
      requestedProvider: engine.requestedProvider,
      executionProvider: engine.provider,
      weightsSource: resolved.weightsSource,
      tokenizerId: engine.tokenizer.id,
      vocabSize: engine.model.vocabSize,
      limits: {
        maxInputTokens: maxSeqLen - 1,
        maxTotalTokens: maxSeqLen,
        maxNewTokens: Math.min(this.settings.defaults.maxNewTokens, maxSeqLen - 1),
        maxConcurrentRequests: this.settings.maxBatchSize,
        maxQueuedRequests: this.settings.maxQueue,
      },
      status: inference.ModelStatus.MODEL_STATUS_SERVING,
    };
  }
}

function timings(result: GenerateResult): inference.GenerationTimings {
  return {
    queueTimeMs: result.timings.queueTimeMs,
    timeToFirstTokenMs: result.timings.timeToFirstTokenMs,
    generationTimeMs: result.timings.generationTimeMs,
    tokensGenerated: tokensGenerated(result),
  };
}

function userId(metadata: Metadata | undefined): string {
  const value = metadata?.get(USER_ID_METADATA)[0];
  return typeof value === 'string' ? value : '';
}

/** Initial metadata saying whether the response cache answered (clients and tests can tell a hit). */
function sendCacheMetadata(call: { sendMetadata(m: Metadata): void } | undefined, hit: boolean): void {
  const metadata = new Metadata();
  metadata.set(RESPONSE_CACHE_METADATA, hit ? 'hit' : 'miss');
  try {
    call?.sendMetadata(metadata);
  } catch {
    // metadata already sent
  }
}
