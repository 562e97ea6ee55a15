// Root module of the embeddings service: collections (event-sourced), documents and vectors in PostgreSQL +
// pgvector, encoders on the engine, re-embedding when a followed model alias moves.
import { Module } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { MongoEventStore, OutboxRelay } from '@neuroforge/events';
import { type Logger, SERVICE_CONFIG, SERVICE_LOGGER } from '@neuroforge/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
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
import { EmbeddingsRuntime, KAFKA, MONGO_CONNECTION, OUTBOX_RELAY } from './infrastructure/embeddings-runtime';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings, embeddingsSettings } from './infrastructure/embeddings-settings';
import { EngineEmbeddingModels } from './infrastructure/models/engine-embedding-models';
import { LocalFolderSource, parseModelDirs } from './infrastructure/models/local-folder-source';
import { RegistryModelSource } from './infrastructure/models/registry-model-source';
import { PgVectorStore } from './infrastructure/postgres/pg-vector-store';
import { EmbeddingsGrpcController } from './interface/grpc/embeddings.grpc.controller';
import { ModelEventsConsumer } from './interface/model-events.consumer';

@Module({
  controllers: [EmbeddingsGrpcController],
  providers: [
    {
      provide: EMBEDDINGS_SETTINGS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => embeddingsSettings(config),
    },
    {
      provide: MONGO_CONNECTION,
      inject: [EMBEDDINGS_SETTINGS],
      useFactory: (s: EmbeddingsSettings) =>
        mongoose.createConnection(s.mongoUrl, { serverSelectionTimeoutMS: 5000 }).asPromise(),
    },
    {
      provide: KAFKA,
      inject: [EMBEDDINGS_SETTINGS],
      useFactory: (s: EmbeddingsSettings) =>
        new Kafka({ clientId: s.kafkaClientId, brokers: [...s.kafkaBrokers], logLevel: logLevel.ERROR }),
    },
    {
      provide: EVENT_STORE,
      inject: [MONGO_CONNECTION, EMBEDDINGS_SETTINGS],
      useFactory: async (connection: Connection, s: EmbeddingsSettings) => {
        const store = new MongoEventStore(connection, {
          service: 'embeddings',
          context: EMBEDDINGS_CONTEXT,
          collection: `${s.mongoPrefix}events`,
          countersCollection: `${s.mongoPrefix}counters`,
        });
        await store.init();
        return store;
      },
    },
    {
      provide: OUTBOX_RELAY,
      inject: [EVENT_STORE, KAFKA, EMBEDDINGS_SETTINGS, SERVICE_LOGGER],
      useFactory: (store: MongoEventStore, kafka: Kafka, s: EmbeddingsSettings, log: Logger) =>
        new OutboxRelay({
          store,
          kafka,
          topic: s.eventsTopic,
          leaseCollection: `${s.mongoPrefix}leases`,
          onError: (error) => log.warn({ err: error }, 'outbox relay round failed'),
        }),
    },
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
          new LocalFolderSource(parseModelDirs(s.localModelDirs)),
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
