// Follows `neuroforge.models.events` (service-kit's ModelEventsFollower: retries, DLQ, per-stream idempotency): an
// alias that collections follow moved → re-embed them with the new version (a background job per collection).
// The Collection decider also ignores a start to the version the collection already has or is moving to.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { KAFKA, type Logger, ModelEventsFollower, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import { ReembedCollectionsJob } from '../application/reembed/reembed-collections.job';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from '../infrastructure/embeddings-settings';

@Injectable()
export class ModelEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly follower: ModelEventsFollower;

  constructor(
    @Inject(ReembedCollectionsJob) private readonly job: ReembedCollectionsJob,
    @Inject(EMBEDDINGS_SETTINGS) settings: EmbeddingsSettings,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
    // The service's one Kafka client (the kit's kafkaClient); the consumer is its own group member.
    @Inject(KAFKA) kafka: Kafka,
  ) {
    this.follower = new ModelEventsFollower({
      kafka,
      groupId: settings.modelsConsumerGroup,
      ephemeralGroup: true,
      topic: settings.modelsTopic,
      log,
      onAliasMoved: (model, alias, version) => this.aliasMoved(model, alias, version),
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
    await this.job.stop();
  }

  private async aliasMoved(model: string, alias: string, version: number): Promise<void> {
    const started = await this.job.aliasMoved(model, alias, version);
    if (started.length) this.log.info({ model, alias, version, collections: started }, 're-embedding');
  }
}
