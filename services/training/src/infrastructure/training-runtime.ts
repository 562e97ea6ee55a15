// The training service's connections and background loops, started and stopped in order:
// start: topics → outbox relay → jobs view indexes → worker pool (which first reaps jobs whose holders died,
// e.g. this service's own workers before a restart);
// stop: worker pool (running jobs are handed back: their workers checkpoint and the jobs are queued again) →
// relay → registry client → Mongo.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { dlqTopic, ensureTopics, type OutboxRelay } from '@neuroforge/events';
import { KAFKA, type Logger, MONGO_CONNECTION, OUTBOX_RELAY, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { MODEL_REGISTRY } from '../application/ports/model-registry.port';
import { WorkerPool } from '../application/worker-pool/worker-pool';
import type { GrpcModelRegistry } from './grpc-model-registry';
import { TRAINING_TOPIC } from './tokens';

@Injectable()
export class TrainingRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(TRAINING_TOPIC) private readonly topic: string,
    @Inject(MONGO_CONNECTION) private readonly connection: Connection,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Inject(MODEL_REGISTRY) private readonly registry: GrpcModelRegistry,
    @Inject(WorkerPool) private readonly pool: WorkerPool,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureTopics(this.kafka, [this.topic, dlqTopic(this.topic)]);
    await this.relay.start();
    this.pool.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.stop().catch((error: unknown) => this.logger.warn({ err: error }, 'stopping the worker pool'));
    await this.relay.stop().catch((error: unknown) => this.logger.warn({ err: error }, 'stopping outbox relay'));
    this.registry.close();
    await this.connection.close();
  }
}
