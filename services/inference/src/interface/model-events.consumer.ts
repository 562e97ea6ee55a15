// Follows `neuroforge.models.events` (the kit's EventConsumer: offsets after handling, retries, DLQ): an alias
// this server serves moved → load the new version and swap it in; a model was deleted → unload it.
// Idempotent: per model stream (`model-<name>`) an event at or below the last handled stream version is skipped,
// and moving a route to the version it already serves changes nothing.
// Every server follows in its own consumer group from the newest offset: each replica must see every move, and
// the present state comes from the registry (ResolveAlias) at load time, not from history.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { modelsEvents } from '@neuroforge/contracts';
import { EventConsumer, type EventEnvelope } from '@neuroforge/events';
import { KAFKA, type Logger, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import type { ModelServing } from '../application/model-serving';
import { INFERENCE_SETTINGS, type InferenceSettings } from '../infrastructure/inference-settings';
import { MODEL_SERVING } from './tokens';

@Injectable()
export class ModelEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;
  private readonly handledVersion = new Map<string, number>();
  private started: Promise<void> | undefined;

  constructor(
    @Inject(MODEL_SERVING) private readonly serving: ModelServing,
    @Inject(INFERENCE_SETTINGS) settings: InferenceSettings,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
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
        'neuroforge.models.model_deleted.v1': (e: EventEnvelope<modelsEvents.ModelDeleted>) => this.modelDeleted(e),
      },
      onDeadLetter: (info, error) => this.log.error({ ...info, error: String(error) }, 'model event dead-lettered'),
    });
  }

  onApplicationBootstrap(): void {
    // Retried in the background: the service starts (not ready) while Kafka is down.
    const start = (): Promise<void> =>
      this.consumer.start().catch(async (error) => {
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
    await this.consumer.stop();
  }

  private async aliasMoved(envelope: EventEnvelope<modelsEvents.AliasMoved>): Promise<void> {
    if (this.seen(envelope)) return;
    const { modelName, alias, version } = envelope.data;
    const moved = await this.serving.aliasMoved(modelName, alias, version);
    this.handled(envelope);
    if (moved) this.log.info({ model: modelName, alias, version, routes: moved }, 'hot-swapped after alias move');
  }

  private async modelDeleted(envelope: EventEnvelope<modelsEvents.ModelDeleted>): Promise<void> {
    if (this.seen(envelope)) return;
    this.serving.modelDeleted(envelope.data.name);
    this.handled(envelope);
  }

  private seen(envelope: EventEnvelope): boolean {
    return (this.handledVersion.get(envelope.subject) ?? 0) >= envelope.streamversion;
  }

  private handled(envelope: EventEnvelope): void {
    this.handledVersion.set(envelope.subject, envelope.streamversion);
  }
}
