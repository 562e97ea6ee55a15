import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import {
  GRPC_ERROR_MAPPING,
  KAFKA,
  kafkaClient,
  type Logger,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import { GenerateHandler } from './application/generate/generate.handler';
import { ModelServing } from './application/model-serving';
import { GENERATION_EVENTS } from './application/ports/generation-events.port';
import { MODEL_LOADER, type ModelLoader } from './application/ports/model-loader.port';
import { MODEL_SOURCE, type ModelSource } from './application/ports/model-source.port';
import { RESPONSE_CACHE, type ResponseCache } from './application/ports/response-cache.port';
import { SERVING_METRICS, type ServingMetrics } from './application/ports/serving-metrics.port';
import { EngineModelLoader } from './infrastructure/engine-model-loader';
import { INFERENCE_SETTINGS, type InferenceSettings, inferenceSettings } from './infrastructure/inference-settings';
import { KafkaGenerationEvents } from './infrastructure/kafka-generation-events';
import { LocalFolderSource } from './infrastructure/local-folder-source';
import { PrometheusServingMetrics } from './infrastructure/prometheus-serving-metrics';
import { RedisResponseCache } from './infrastructure/redis-response-cache';
import { RegistryModelSource } from './infrastructure/registry-model-source';
import { RoutingModelSource } from './infrastructure/routing-model-source';
import { DefaultModelLoader } from './interface/default-model.loader';
import { INFERENCE_GRPC_ERRORS } from './interface/grpc-errors';
import { InferenceGrpcController } from './interface/inference.grpc.controller';
import { ModelEventsConsumer } from './interface/model-events.consumer';
import { GENERATE_HANDLER, MODEL_SERVING } from './interface/tokens';

const REGISTRY_SOURCE = Symbol('REGISTRY_SOURCE');

/** Opens and closes what the adapters hold (Kafka producer, Redis, registry channel, loaded models). */
@Injectable()
class InferenceLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(GENERATION_EVENTS) private readonly events: KafkaGenerationEvents,
    @Inject(RESPONSE_CACHE) private readonly cache: RedisResponseCache,
    @Inject(REGISTRY_SOURCE) private readonly registry: RegistryModelSource,
    @Inject(MODEL_SERVING) private readonly serving: ModelServing,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.events.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.serving.close();
    await Promise.allSettled([this.events.close(), this.cache.close()]);
    this.registry.close();
  }
}

/** Root module of the inference service: model loading and hot swap, continuous batching, caches, events. */
@Module({
  controllers: [InferenceGrpcController],
  providers: [
    {
      provide: INFERENCE_SETTINGS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => inferenceSettings(config),
    },
    { provide: GRPC_ERROR_MAPPING, useValue: INFERENCE_GRPC_ERRORS },
    {
      provide: KAFKA,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => kafkaClient(config.stack, 'inference'),
    },
    { provide: SERVING_METRICS, useFactory: () => new PrometheusServingMetrics() },
    {
      provide: REGISTRY_SOURCE,
      inject: [INFERENCE_SETTINGS],
      useFactory: (s: InferenceSettings) => new RegistryModelSource(s.registryAddress),
    },
    {
      provide: MODEL_SOURCE,
      inject: [INFERENCE_SETTINGS, REGISTRY_SOURCE],
      useFactory: (s: InferenceSettings, registry: RegistryModelSource) =>
        new RoutingModelSource(new LocalFolderSource(s.localModelDirs), registry),
    },
    {
      provide: MODEL_LOADER,
      inject: [INFERENCE_SETTINGS, SERVICE_LOGGER],
      useFactory: (s: InferenceSettings, log: Logger) =>
        new EngineModelLoader({ device: s.device, intraOpThreads: s.intraOpThreads, log: (line) => log.info(line) }),
    },
    {
      provide: RESPONSE_CACHE,
      inject: [INFERENCE_SETTINGS],
      useFactory: (s: InferenceSettings) =>
        new RedisResponseCache(s.redisUrl, s.redisKeyPrefix, s.responseCacheTtlSeconds),
    },
    {
      provide: GENERATION_EVENTS,
      inject: [KAFKA, INFERENCE_SETTINGS, SERVICE_LOGGER],
      useFactory: (kafka: Kafka, s: InferenceSettings, log: Logger) =>
        new KafkaGenerationEvents(kafka, s.eventsTopic, log),
    },
    {
      provide: MODEL_SERVING,
      inject: [MODEL_SOURCE, MODEL_LOADER, INFERENCE_SETTINGS, SERVING_METRICS, SERVICE_LOGGER],
      useFactory: (
        source: ModelSource,
        loader: ModelLoader,
        s: InferenceSettings,
        metrics: ServingMetrics,
        log: Logger,
      ) => new ModelServing(source, loader, s, metrics, log),
    },
    {
      provide: GENERATE_HANDLER,
      inject: [MODEL_SERVING, RESPONSE_CACHE, GENERATION_EVENTS, SERVING_METRICS, INFERENCE_SETTINGS],
      useFactory: (
        serving: ModelServing,
        cache: ResponseCache,
        events: KafkaGenerationEvents,
        metrics: ServingMetrics,
        s: InferenceSettings,
      ) => new GenerateHandler(serving, cache, events, metrics, s),
    },
    InferenceLifecycle,
    DefaultModelLoader,
    ModelEventsConsumer,
  ],
})
export class AppModule {}
