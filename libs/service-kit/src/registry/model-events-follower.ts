// Follows the model registry's events topic (`neuroforge.models.events`) for the services that serve registered
// models, on the events kit's EventConsumer (offsets after handling, retries, DLQ): an alias moved → the caller's
// onAliasMoved; a model was deleted → its onModelDeleted, when it has one (else those events are skipped).
// Idempotent per model stream (`model-<name>`): an event at or below the last handled stream version is skipped.
// Each follower is its own consumer group from the newest offset: every replica must see every move, and the
// present state comes from the registry at load time, not from history.
import type { modelsEvents } from '@neuroforge/contracts';
import { EventConsumer, type EventEnvelope, type EventHandler } from '@neuroforge/events';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../telemetry';

const RESTART_DELAY_MS = 2000;

export interface ModelEventsFollowerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly log: Logger;
  /** The group is this process's own (per-replica): delete it from Kafka on stop (EventConsumer.ephemeralGroup). */
  readonly ephemeralGroup?: boolean;
  onAliasMoved(modelName: string, alias: string, version: number): Promise<void>;
  onModelDeleted?(modelName: string): Promise<void> | void;
}

export class ModelEventsFollower {
  private readonly consumer: EventConsumer;
  private readonly handledVersion = new Map<string, number>();
  private started: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: ModelEventsFollowerOptions) {
    const { onModelDeleted } = options;
    const handlers: Record<string, EventHandler> = {
      'neuroforge.models.alias_moved.v1': (e: EventEnvelope<modelsEvents.AliasMoved>) =>
        this.once(e, () => options.onAliasMoved(e.data.modelName, e.data.alias, e.data.version)),
    };
    if (onModelDeleted) {
      handlers['neuroforge.models.model_deleted.v1'] = (e: EventEnvelope<modelsEvents.ModelDeleted>) =>
        this.once(e, async () => onModelDeleted(e.data.name));
    }
    this.consumer = new EventConsumer({
      kafka: options.kafka,
      groupId: options.groupId,
      topics: [options.topic],
      fromBeginning: false,
      maxAttempts: 3,
      handlers,
      onDeadLetter: (info, error) => options.log.error({ ...info, error: String(error) }, 'model event dead-lettered'),
      ephemeralGroup: options.ephemeralGroup,
      onGroupDeleteError: (error, groupId) =>
        options.log.warn({ error: String(error), groupId }, 'deleting the model events consumer group failed'),
    });
  }

  /** Joins the group, retrying in the background: the service starts (not ready) while Kafka is down. */
  start(): void {
    const start = (): Promise<void> =>
      this.consumer.start().catch(async (error) => {
        if (this.stopping) return;
        this.options.log.warn({ error: String(error) }, 'following model events failed to start; retrying');
        await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
        return start();
      });
    this.started = start();
  }

  /** Resolves once the consumer joined its group (tests publish after this). */
  async ready(): Promise<void> {
    await this.started;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.stop();
  }

  private async once(envelope: EventEnvelope, handle: () => Promise<void>): Promise<void> {
    if ((this.handledVersion.get(envelope.subject) ?? 0) >= envelope.streamversion) return;
    await handle();
    this.handledVersion.set(envelope.subject, envelope.streamversion);
  }
}
