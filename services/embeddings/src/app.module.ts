// Root module of the embeddings service: collections (event-sourced), documents and vectors in PostgreSQL +
// pgvector, encoders on the engine, re-embedding when a followed model alias moves.
import { Module } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import {
  eventSourcingProviders,
  GRPC_ERROR_MAPPING,
  LocalModelFolders,
  type Logger,
  OUTBOX_RELAY,
  parseModelDirs,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from '@neuroforge/service-kit';
import { CollectionStream } from './application/collection-stream';
import { CollectionQueriesHandler } from './application/collections/collection-queries.handler';
import { CreateCollectionHandler } from './application/collections/create-collection.handler';
import { DeleteCollectionHandler } from './application/collections/delete-collection.handler';
import { DeleteDocumentsHandler } from './application/documents/delete-documents.handler';
import { UpsertDocumentsHandler } from './application/documents/upsert-documents.handler';
import { EmbedHandler } from './application/embed/embed.handler';
import { EVENT_STORE, OUTBOX_SIGNAL } from './application/ports/collection-stream.port';
import { EMBEDDING_MODELS } from './application/ports/embedding-models.port';
import { VECTOR_STORE } from './application/ports/vector-store.port';
import { ReembedCollectionsJob } from './application/reembed/reembed-collections.job';
import { SearchHandler } from './application/search/search.handler';
import { EMBEDDINGS_CONTEXT } from './domain/collection.events';
import { EmbeddingsError } from './domain/embeddings-error';
import { EmbeddingsRuntime } from './infrastructure/embeddings-runtime';
import {
  EMBEDDINGS_SETTINGS,
  type EmbeddingsSettings,
  embeddingsSettings,
  eventSourcingCollections,
} from './infrastructure/embeddings-settings';
import { EngineEmbeddingModels } from './infrastructure/models/engine-embedding-models';
import { RegistryModelSource } from './infrastructure/models/registry-model-source';
import { PgVectorStore } from './infrastructure/postgres/pg-vector-store';
import { EmbeddingsGrpcController } from './interface/grpc/embeddings.grpc.controller';
import { EMBEDDINGS_GRPC_ERRORS } from './interface/grpc/grpc-errors';
import { ModelEventsConsumer } from './interface/model-events.consumer';

const SERVICE = 'embeddings';
const EVENTS_TOPIC = Symbol('EVENTS_TOPIC');

@Module({
  controllers: [EmbeddingsGrpcController],
  providers: [
    {
      provide: EMBEDDINGS_SETTINGS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => embeddingsSettings(config),
    },
    { provide: EVENTS_TOPIC, inject: [EMBEDDINGS_SETTINGS], useFactory: (s: EmbeddingsSettings) => s.eventsTopic },
    ...eventSourcingProviders({
      service: SERVICE,
      context: EMBEDDINGS_CONTEXT,
      eventStore: EVENT_STORE,
      topic: EVENTS_TOPIC,
      collections: eventSourcingCollections(),
    }),
    { provide: OUTBOX_SIGNAL, useExisting: OUTBOX_RELAY },
    {
      provide: VECTOR_STORE,
      inject: [EMBEDDINGS_SETTINGS],
      useFactory: (s: EmbeddingsSettings) => new PgVectorStore({ url: s.postgresUrl, schema: s.pgSchema }),
    },
    {
      provide: EMBEDDING_MODELS,
      inject: [EMBEDDINGS_SETTINGS, SERVICE_LOGGER],
      useFactory: (s: EmbeddingsSettings, log: Logger) =>
        new EngineEmbeddingModels(
          new LocalModelFolders(parseModelDirs(s.localModelDirs, 'NF_EMBEDDINGS_MODEL_DIRS'), {
            notFound: (ref, why) => new EmbeddingsError('EMBEDDINGS.MODEL_NOT_FOUND', `model ${ref}: ${why}`),
          }),
          new RegistryModelSource(s.registryAddress),
          {
            device: s.device,
            intraOpThreads: s.intraOpThreads,
            microBatchSize: 32,
            maxTokens: s.maxTokens,
            maxLoaded: 4,
            log: (line) => log.info(line),
          },
        ),
    },
    { provide: GRPC_ERROR_MAPPING, useValue: EMBEDDINGS_GRPC_ERRORS },
    CollectionStream,
    EmbedHandler,
    CreateCollectionHandler,
    CollectionQueriesHandler,
    DeleteCollectionHandler,
    UpsertDocumentsHandler,
    DeleteDocumentsHandler,
    SearchHandler,
    ReembedCollectionsJob,
    EmbeddingsRuntime,
    ModelEventsConsumer,
  ],
})
export class AppModule {}
