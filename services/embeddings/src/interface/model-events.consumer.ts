// Follows `neuroforge.models.events` (the kit's EventConsumer: offsets after handling, retries, DLQ): an alias
// that collections follow moved → re-embed them with the new version (a background job per collection).
// Idempotent: an event at or below the last handled version of its model stream is skipped, and the
// Collection decider ignores a start to the version the collection already has or is moving to.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { modelsEvents } from '@neuroforge/contracts';
import { EventConsumer, type EventEnvelope } from '@neuroforge/events';
import { KAFKA, type Logger, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import { ReembedCollectionsJob } from '../application/reembed/reembed-collections.job';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from '../infrastructure/embeddings-settings';

@Injectable()
export class ModelEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;
  private readonly handledVersion = new Map<string, number>();
  private started: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(ReembedCollectionsJob) private readonly job: ReembedCollectionsJob,
    @Inject(EMBEDDINGS_SETTINGS) settings: EmbeddingsSettings,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
    // The service's one Kafka client (the kit's kafkaClient); the consumer is its own group member.
    @Inject(KAFKA) kafka: Kafka,
  ) {
    this.consumer = new EventConsumer({
      kafka,
      groupId: settings.modelsConsumerGroup,
      topics: [settings.modelsTopic],
      fromBeginning: false,
      maxAttempts: 3,
      handlers: {
        'neuroforge.models.alias_moved.v1': (e: EventEnvelope<modelsEvents.AliasMoved>) => this.aliasMoved(e),
      },
      onDeadLetter: (info, error) => this.log.error({ ...info, error: String(error) }, 'model event dead-lettered'),
    });
  }

  onApplicationBootstrap(): void {
    // Retried in the background: the service starts (not ready) while Kafka is down.
    const start = (): Promise<void> =>
      this.consumer.start().catch(async (error) => {
        if (this.stopping) return;
        this.log.warn({ error: String(error) }, 'following model events failed to start; retrying');
        await new Promise((r) => setTimeout(r, 2000));
        return start();
      });
    this.started = start();
  }

  /** Resolves once the consumer joined its group (tests publish after this). */
  async ready(): Promise<void> {
    await this.started;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.consumer.stop();
    await this.job.stop();
  }

  private async aliasMoved(envelope: EventEnvelope<modelsEvents.AliasMoved>): Promise<void> {
    if ((this.handledVersion.get(envelope.subject) ?? 0) >= envelope.streamversion) return;
    const { modelName, alias, version } = envelope.data;
    const started = await this.job.aliasMoved(modelName, alias, version);
    this.handledVersion.set(envelope.subject, envelope.streamversion);
    if (started.length) this.log.info({ model: modelName, alias, version, collections: started }, 're-embedding');
  }
}
