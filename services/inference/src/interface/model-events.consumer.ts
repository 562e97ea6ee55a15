// Follows `neuroforge.models.events` (service-kit's ModelEventsFollower: retries, DLQ, per-stream idempotency, a
// consumer group per server from the newest offset): an alias this server serves moved → load the new version and
// swap it in; a model was deleted → unload it. Moving a route to the version it already serves changes nothing.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { KAFKA, type Logger, ModelEventsFollower, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import type { ModelServing } from '../application/model-serving';
import { INFERENCE_SETTINGS, type InferenceSettings } from '../infrastructure/inference-settings';
import { MODEL_SERVING } from './tokens';

@Injectable()
export class ModelEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly follower: ModelEventsFollower;

  constructor(
    @Inject(MODEL_SERVING) private readonly serving: ModelServing,
    @Inject(INFERENCE_SETTINGS) settings: InferenceSettings,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
    @Inject(KAFKA) kafka: Kafka,
  ) {
    this.follower = new ModelEventsFollower({
      kafka,
      groupId: settings.modelsConsumerGroup,
      ephemeralGroup: true,
      topic: settings.modelsTopic,
      log,
      onAliasMoved: (model, alias, version) => this.aliasMoved(model, alias, version),
      onModelDeleted: (model) => {
        this.serving.modelDeleted(model);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.follower.start();
  }

  /** Resolves once the consumer joined its group (tests publish after this). */
  async ready(): Promise<void> {
    await this.follower.ready();
  }

  async onModuleDestroy(): Promise<void> {
    await this.follower.stop();
  }

  private async aliasMoved(model: string, alias: string, version: number): Promise<void> {
    const moved = await this.serving.aliasMoved(model, alias, version);
    if (moved) this.log.info({ model, alias, version, routes: moved }, 'hot-swapped after alias move');
  }
}
