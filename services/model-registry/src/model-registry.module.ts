// The model registry's use cases, adapters, background loops and gRPC controller. `forRoot()` takes overrides
// for tests (topic, consumer group, start-up seeding); everything else comes from the service configuration.
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { EventConsumer } from '@neuroforge/events';
import {
  eventSourcingProviders,
  GRPC_ERROR_MAPPING,
  KAFKA,
  type Logger,
  MONGO_CONNECTION,
  mongoDb,
  OUTBOX_RELAY,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { AliasClaims } from './application/alias-claims';
import { CreateModelHandler } from './application/create-model/create-model.handler';
import { DeleteModelHandler } from './application/delete-model/delete-model.handler';
import {
  DEFAULT_MODEL_SETTINGS,
  type DefaultModelSettings,
} from './application/ensure-default-model/ensure-default-model.command';
import { EnsureDefaultModelHandler } from './application/ensure-default-model/ensure-default-model.handler';
import { GetModelHandler } from './application/get-model/get-model.handler';
import { GetVersionHandler } from './application/get-version/get-version.handler';
import { ListModelsHandler } from './application/list-models/list-models.handler';
import { ModelRepository } from './application/model.repository';
import { ALIAS_REGISTRY } from './application/ports/alias-registry.port';
import { ARTIFACT_STORE } from './application/ports/artifact-store.port';
import { DEFAULT_MODEL_BUILDER } from './application/ports/default-model-builder.port';
import { MODEL_CATALOG } from './application/ports/model-catalog.port';
import { MODEL_EVENT_STORE } from './application/ports/model-events.port';
import { OUTBOX_SIGNAL } from './application/ports/outbox-signal.port';
import { RegisterVersionHandler } from './application/register-version/register-version.handler';
import { ResolveAliasHandler } from './application/resolve-alias/resolve-alias.handler';
import { SetAliasHandler } from './application/set-alias/set-alias.handler';
import { UpdateModelHandler } from './application/update-model/update-model.handler';
import { MODELS_CONTEXT } from './domain/model.events';
import { MongoAliasRegistry } from './infrastructure/aliases/mongo-alias-registry';
import { FilesystemArtifactStore } from './infrastructure/artifacts/filesystem-artifact-store';
import { EngineDefaultModelBuilder } from './infrastructure/default-model/engine-default-model-builder';
import { modelsProjection } from './infrastructure/read-model/models.projection';
import { MongoModelCatalog } from './infrastructure/read-model/mongo-model-catalog';
import {
  COLLECTIONS,
  type ModelRegistryOptions,
  REGISTRY_OPTIONS,
  type ResolvedRegistryOptions,
  resolveRegistryOptions,
} from './infrastructure/registry-options';
import { READ_MODEL_CONSUMER, RegistryRuntime } from './infrastructure/registry-runtime';
import { MODELS_GRPC_ERRORS } from './interface/grpc/grpc-errors';
import { ModelsGrpcController } from './interface/grpc/models.grpc.controller';

const MODELS_PROJECTION = Symbol('MODELS_PROJECTION');
const REGISTRY_TOPIC = Symbol('REGISTRY_TOPIC');
const SERVICE = 'model-registry';

function infrastructure(): Provider[] {
  return [
    { provide: REGISTRY_TOPIC, inject: [REGISTRY_OPTIONS], useFactory: (o: ResolvedRegistryOptions) => o.topic },
    ...eventSourcingProviders({
      service: SERVICE,
      context: MODELS_CONTEXT,
      eventStore: MODEL_EVENT_STORE,
      topic: REGISTRY_TOPIC,
      collections: { events: COLLECTIONS.events, counters: COLLECTIONS.counters, outboxLeases: COLLECTIONS.leases },
    }),
    { provide: OUTBOX_SIGNAL, useExisting: OUTBOX_RELAY },
    {
      provide: MODELS_PROJECTION,
      inject: [MONGO_CONNECTION],
      useFactory: (connection: Connection) => modelsProjection(mongoDb(connection), COLLECTIONS.models),
    },
    {
      provide: READ_MODEL_CONSUMER,
      inject: [KAFKA, REGISTRY_OPTIONS, MODELS_PROJECTION, SERVICE_LOGGER],
      useFactory: (
        kafka: Kafka,
        options: ResolvedRegistryOptions,
        projection: ReturnType<typeof modelsProjection>,
        logger: Logger,
      ) =>
        new EventConsumer({
          kafka,
          groupId: options.consumerGroup,
          topics: [options.topic],
          handlers: projection.eventHandlers(),
          batchHandler: projection.batchHandler(), // a Kafka batch's read-model writes in one bulkWrite
          onBatchError: (error, info) =>
            logger.warn({ err: error, ...info }, 'models read model: batch retried per event'),
          onDeadLetter: (info, error) =>
            logger.error({ err: error, ...info }, 'models read model: event dead-lettered'),
        }),
    },
    {
      provide: MODEL_CATALOG,
      inject: [MODELS_PROJECTION],
      useFactory: async (projection: ReturnType<typeof modelsProjection>) => {
        const catalog = new MongoModelCatalog(projection.collection as never);
        await catalog.init();
        return catalog;
      },
    },
    {
      provide: ALIAS_REGISTRY,
      inject: [MONGO_CONNECTION],
      useFactory: (connection: Connection) =>
        new MongoAliasRegistry(mongoDb(connection).collection(COLLECTIONS.aliases)),
    },
    {
      provide: ARTIFACT_STORE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => new FilesystemArtifactStore(config.system.artifact_dir),
    },
    { provide: DEFAULT_MODEL_BUILDER, useClass: EngineDefaultModelBuilder },
    {
      provide: DEFAULT_MODEL_SETTINGS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig): DefaultModelSettings => ({
        enabled: config.system.seed_default_model,
        name: config.inference.default_model,
        seed: config.system.seed,
      }),
    },
  ];
}

const USE_CASES = [
  ModelRepository,
  AliasClaims,
  CreateModelHandler,
  UpdateModelHandler,
  DeleteModelHandler,
  RegisterVersionHandler,
  SetAliasHandler,
  GetModelHandler,
  GetVersionHandler,
  ResolveAliasHandler,
  ListModelsHandler,
  EnsureDefaultModelHandler,
];

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot.
export class ModelRegistryModule {
  static forRoot(options: ModelRegistryOptions = {}): DynamicModule {
    return {
      module: ModelRegistryModule,
      controllers: [ModelsGrpcController],
      providers: [
        { provide: REGISTRY_OPTIONS, useValue: resolveRegistryOptions(options) },
        ...infrastructure(),
        ...USE_CASES,
        { provide: GRPC_ERROR_MAPPING, useValue: MODELS_GRPC_ERRORS },
        RegistryRuntime,
      ],
      exports: [...USE_CASES, ARTIFACT_STORE, MODEL_EVENT_STORE, OUTBOX_RELAY, READ_MODEL_CONSUMER, MODELS_PROJECTION],
    };
  }
}

export { MODELS_PROJECTION };
