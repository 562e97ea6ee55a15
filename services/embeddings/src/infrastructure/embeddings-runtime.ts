// The service's connections and background loops, started and stopped in order:
// start: vector store schema → events topic → outbox relay → interrupted re-embedding jobs;
// stop: relay → jobs → models → vector store → Mongo.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ensureTopics, type OutboxRelay } from '@neuroforge/events';
import { KAFKA, type Logger, MONGO_CONNECTION, OUTBOX_RELAY, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { EMBEDDING_MODELS, type EmbeddingModels } from '../application/ports/embedding-models.port';
import { VECTOR_STORE, type VectorStore } from '../application/ports/vector-store.port';
import { ReembedCollectionsJob } from '../application/reembed/reembed-collections.job';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from './embeddings-settings';

@Injectable()
export class EmbeddingsRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(EMBEDDINGS_SETTINGS) private readonly settings: EmbeddingsSettings,
    @Inject(MONGO_CONNECTION) private readonly connection: Connection,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(EMBEDDING_MODELS) private readonly models: EmbeddingModels,
    @Inject(ReembedCollectionsJob) private readonly jobs: ReembedCollectionsJob,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.store.init();
    await ensureTopics(this.kafka, [this.settings.eventsTopic]);
    await this.relay.start();
    await this.jobs.resumeInterrupted();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop().catch((error: unknown) => this.log.warn({ err: error }, 'stopping outbox relay'));
    await this.jobs.stop();
    await this.models.close();
    await this.store.close().catch(() => undefined);
    await this.connection.close();
  }
}
