// The registry's connections and background loops, started and stopped in order:
// start: topic → outbox relay → read-model consumer → default model (retried in the background on failure);
// stop: default-model retries → consumer → relay → Mongo.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type EventConsumer, ensureTopics, type OutboxRelay } from '@neuroforge/events';
import { KAFKA, type Logger, MONGO_CONNECTION, OUTBOX_RELAY, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { EnsureDefaultModelHandler } from '../application/ensure-default-model/ensure-default-model.handler';
import { REGISTRY_OPTIONS, type ResolvedRegistryOptions } from './registry-options';

export const READ_MODEL_CONSUMER = Symbol('READ_MODEL_CONSUMER');

const SEED_RETRY_MS = 5000;

@Injectable()
export class RegistryRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private seedTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @Inject(REGISTRY_OPTIONS) private readonly options: ResolvedRegistryOptions,
    @Inject(MONGO_CONNECTION) private readonly connection: Connection,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Inject(READ_MODEL_CONSUMER) private readonly consumer: EventConsumer,
    @Inject(EnsureDefaultModelHandler) private readonly defaultModel: EnsureDefaultModelHandler,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureTopics(this.kafka, [this.options.topic]);
    await this.relay.start();
    await this.consumer.start();
    if (this.options.seedOnStart) await this.seedDefaultModel();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.seedTimer);
    await this.consumer.stop().catch((error: unknown) => this.logger.warn({ err: error }, 'stopping consumer'));
    await this.relay.stop().catch((error: unknown) => this.logger.warn({ err: error }, 'stopping outbox relay'));
    await this.connection.close();
  }

  /** Start-up must not fail because seeding did: log, and try again a little later. */
  private async seedDefaultModel(): Promise<void> {
    try {
      const outcome = await this.defaultModel.execute();
      this.logger.info({ defaultModel: outcome }, 'default model checked');
    } catch (error) {
      this.logger.warn({ err: error }, `default model not ensured; retrying in ${SEED_RETRY_MS} ms`);
      if (!this.stopping) this.seedTimer = setTimeout(() => void this.seedDefaultModel(), SEED_RETRY_MS);
    }
  }
}
