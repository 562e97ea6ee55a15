// Follows `neuroforge.training.events` for the clients watching training jobs (SSE and WebSocket), with the events
// kit's consumer. Every gateway instance has a consumer group of its own, starting at the newest offset: each
// instance must see every job's events, and a watch starts from the job's present state (GetJob), not from history.
// Handling is idempotent without markers: the watchers drop repeated or stale reports by step (training-watch.ts).
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { TOPICS } from '@neuroforge/contracts';
import { EventConsumer, type EventEnvelope, ensureTopics } from '@neuroforge/events';
import { kafkaClient, type Logger, SERVICE_CONFIG, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Kafka } from 'kafkajs';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { TrainingProgressHub } from '../../application/watch-training/training-progress.hub';
import { type JobStateName, jobStateName, progressView } from '../../schemas/training.schemas';

const consumed = new Counter({
  name: 'neuroforge_gateway_training_events_total',
  help: 'Training events this gateway consumed for its watchers, by event.',
  labelNames: ['event'],
});

const RETRY_START_MS = 2000;

/** A progress payload (events.proto JobProgress, camelCase JSON); anything else is dead-lettered. */
const ProgressPayload = z.object({
  progress: z.object({
    state: z.string(),
    step: z.number(),
    maxSteps: z.number(),
    loss: z.number(),
    learningRate: z.number(),
    tokensPerSecond: z.number(),
    etaSeconds: z.number(),
    reportedAt: z.string().nullish(),
  }),
});

/** A held-out evaluation (events.proto JobEvaluated, camelCase JSON). */
const EvaluatedPayload = z.object({ step: z.number(), evalLoss: z.number() });

/** Lifecycle events and the state the job is in after each. */
const STATE_AFTER: Readonly<Record<string, JobStateName>> = {
  job_started: 'running',
  job_requeued: 'queued',
  job_completed: 'completed',
  job_failed: 'failed',
  job_stopped: 'stopped',
};

/** `job-<id>` → `<id>` (the stream id is the CloudEvents subject). */
function jobIdOf(envelope: EventEnvelope): string {
  return envelope.subject.startsWith('job-') ? envelope.subject.slice(4) : envelope.subject;
}

@Injectable()
export class TrainingEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly kafka: Kafka;
  private readonly consumer: EventConsumer;
  private readonly topic = TOPICS.training;
  private started: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(SERVICE_CONFIG) config: NeuroForgeConfig,
    @Inject(TrainingProgressHub) private readonly hub: TrainingProgressHub,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
  ) {
    this.kafka = kafkaClient(config.stack, 'gateway');
    const handlers: Record<string, (envelope: EventEnvelope) => void> = {
      'neuroforge.training.job_progress.v1': (envelope) => this.progress(envelope),
      'neuroforge.training.job_evaluated.v1': (envelope) => this.evaluated(envelope),
    };
    for (const [event, state] of Object.entries(STATE_AFTER)) {
      handlers[`neuroforge.training.${event}.v1`] = (envelope) => {
        consumed.inc({ event });
        this.hub.publish({ kind: 'state', jobId: jobIdOf(envelope), state });
      };
    }
    this.consumer = new EventConsumer({
      kafka: this.kafka,
      groupId: `${config.stack.kafka_client_id}-gateway-${hostname()}-${process.pid}-${Date.now().toString(36)}`,
      topics: [this.topic],
      fromBeginning: false,
      handlers,
      // Handling is in memory: the only failure is a payload that does not parse, and retrying will not fix it.
      isRetryable: () => false,
      onDeadLetter: (info, error) => this.log.error({ ...info, err: error }, 'training event dead-lettered'),
      // The group is this process's alone and never reused: stop() removes it rather than leave it to retention.
      ephemeralGroup: true,
      onGroupDeleteError: (error) =>
        this.log.debug({ err: error }, 'deleting the training events consumer group failed'),
    });
  }

  onApplicationBootstrap(): void {
    // In the background, retried: the gateway serves (and its watchers reconcile with GetJob) while Kafka is down.
    const start = async (): Promise<void> => {
      while (!this.stopping) {
        try {
          await ensureTopics(this.kafka, [this.topic]);
          await this.consumer.start();
          return;
        } catch (error) {
          this.log.warn({ err: error }, 'following training events failed to start; retrying');
          await new Promise((resolve) => setTimeout(resolve, RETRY_START_MS).unref());
        }
      }
    };
    this.started = start();
  }

  /** Resolves once the consumer runs (or gave up because the gateway is stopping). */
  async ready(): Promise<void> {
    await this.started;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    // A start still retrying against a Kafka that is down must not hold the shutdown up for long.
    await Promise.race([this.started, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await this.consumer.stop();
  }

  private evaluated(envelope: EventEnvelope): void {
    consumed.inc({ event: 'job_evaluated' });
    const { step, evalLoss } = EvaluatedPayload.parse(envelope.data);
    this.hub.publish({ kind: 'evaluation', jobId: jobIdOf(envelope), step, evalLoss });
  }

  private progress(envelope: EventEnvelope): void {
    consumed.inc({ event: 'job_progress' });
    const { progress } = ProgressPayload.parse(envelope.data);
    this.hub.publish({
      kind: 'progress',
      jobId: jobIdOf(envelope),
      state: jobStateName(progress.state),
      progress: progressView(progress),
    });
  }
}
