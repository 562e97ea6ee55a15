// Kafka consumers of NeuroForge events: a handler per CloudEvents type, idempotent handling, offsets committed
// only after handling, retries with exponential backoff, and a dead-letter topic `<topic>.dlq` for messages
// that keep failing, so one poison message never stops a partition.
import { context, type Link, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { EnvelopeValidationError, type EventEnvelope, fromKafkaMessage, headersAsText } from './envelope';
import { dlqTopic, ensureTopics } from './kafka-topics';
import type { ProcessedMarkers } from './processed-markers';
import { contextFromCarrier, startSpan, TRACER_NAME } from './trace-context';

export interface MessageInfo {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery to the handler, then 2, 3, ... on retries. */
  readonly attempt: number;
}

// biome-ignore lint/suspicious/noExplicitAny: handlers narrow `data` themselves; any keeps the registry simple
export type EventHandler<D = any> = (envelope: EventEnvelope<D>, info: MessageInfo) => Promise<void> | void;

export interface BackoffOptions {
  /** Delay before the 2nd attempt (default 100 ms); doubles each attempt. */
  initialMs?: number;
  /** Cap on one delay (default 5000 ms). */
  maxMs?: number;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** Handlers by CloudEvents type (`neuroforge.models.version_registered.v1`); other types are skipped. */
  handlers: Record<string, EventHandler>;
  /** Skip events this group already handled (per event id). Leave out when the handlers are idempotent. */
  processedMarkers?: ProcessedMarkers;
  /** Attempts per message before it goes to the dead-letter topic (default 5). */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Where a group with no committed offset starts (default true: the whole history). */
  fromBeginning?: boolean;
  /** Partitions handled in parallel (default 1); order within a partition is always kept. */
  partitionsConsumedConcurrently?: number;
  /** Whether an error deserves another attempt (default: everything but a malformed envelope). */
  isRetryable?: (error: unknown) => boolean;
  /**
   * Longest a fetch waits for new messages (default 500 ms). Also bounds how long stop() waits for the
   * fetch in flight, which is why it is shorter than kafkajs' 5 s.
   */
  maxWaitTimeInMs?: number;
  /** Told about each message sent to the dead-letter topic. */
  onDeadLetter?: (info: MessageInfo, error: unknown) => void;
  /**
   * Handles all of a Kafka batch's events (of the handled types, in offset order) in one call, e.g.
   * `projection.batchHandler()` for one bulkWrite per batch. Must be idempotent, like the handlers: when it
   * throws, the batch is handled again message by message through `handlers` (with retries and the DLQ).
   */
  batchHandler?: (envelopes: EventEnvelope[]) => Promise<void>;
  /**
   * The group belongs to this process alone (a per-replica group that sees every event) and is never reused:
   * stop() deletes it through the admin client after the consumer left, instead of leaving it in Kafka until
   * offset retention. Best effort: a failure is passed to `onGroupDeleteError` (default: a process warning).
   */
  ephemeralGroup?: boolean;
  onGroupDeleteError?: (error: unknown, groupId: string) => void;
  /** Told when a batchHandler call failed and its batch fell back to one message at a time. */
  onBatchError?: (error: unknown, info: { topic: string; partition: number; messages: number }) => void;
}

export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly dlqProducer: Producer;
  private readonly maxAttempts: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private started = false;

  constructor(private readonly options: EventConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
    });
    this.dlqProducer = options.kafka.producer({ allowAutoTopicCreation: true });
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialMs = options.backoff?.initialMs ?? 100;
    this.maxMs = options.backoff?.maxMs ?? 5000;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await ensureTopics(this.options.kafka, this.options.topics.map(dlqTopic));
    await this.dlqProducer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    this.started = true;
    await this.consumer.run({
      autoCommit: false, // offsets are committed below, only after their messages were handled or dead-lettered
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        let next: string | undefined;
        // Handled together when there is a batch handler; the rest (malformed messages, or all of them when the
        // batch handler failed) go through the one-message path below.
        const handled = await this.handleBatch(batch.topic, batch.partition, batch.messages);
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          if (!handled.has(message.offset)) await this.handleMessage(batch.topic, batch.partition, message, heartbeat);
          resolveOffset(message.offset);
          next = (BigInt(message.offset) + 1n).toString();
        }
        if (next !== undefined) {
          await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        }
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.consumer.disconnect();
    await this.dlqProducer.disconnect();
    if (this.options.ephemeralGroup) await this.deleteGroup();
  }

  // After disconnect() the member has left, so the group is empty and Kafka lets it be deleted.
  private async deleteGroup(): Promise<void> {
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.options.groupId]);
    } catch (error) {
      const report =
        this.options.onGroupDeleteError ??
        ((e: unknown, groupId: string) =>
          process.emitWarning(
            `deleting consumer group ${groupId} failed: ${errorMessage(e)}`,
            'NeuroForgeKafkaWarning',
          ));
      report(error, this.options.groupId);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Resolves once this group's committed offsets reach the end of every partition as it is now, i.e. every
   * message published before the call has been handled (or dead-lettered).
   */
  async waitForCatchUp(timeoutMs = 30_000, pollMs = 100): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const targets = new Map<string, string>();
      for (const topic of this.options.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) targets.set(`${topic}:${p.partition}`, p.high);
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics: this.options.topics });
        const behind = [...targets].filter(([key, high]) => {
          const [topic, partition] = splitKey(key);
          const offset = committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition);
          return BigInt(high) > 0n && BigInt(offset?.offset ?? '-1') < BigInt(high);
        });
        if (behind.length === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`consumer ${this.options.groupId} still behind after ${timeoutMs} ms: ${behind.join(', ')}`);
        }
        await sleep(pollMs);
      }
    } finally {
      await admin.disconnect();
    }
  }

  // Runs the batch handler over the batch's decodable events of handled types (skipping those the processed
  // markers know); returns the offsets it handled (none when there is no batch handler or it failed).
  private async handleBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<Set<string>> {
    const handled = new Set<string>();
    const batchHandler = this.options.batchHandler;
    if (!batchHandler || messages.length === 0) return handled;
    const envelopes: EventEnvelope[] = [];
    const offsets: string[] = [];
    const ids = new Set<string>();
    const links: Link[] = []; // one span for the batch, linked to each event's producer trace
    const markers = this.options.processedMarkers;
    for (const message of messages) {
      let envelope: EventEnvelope;
      try {
        envelope = fromKafkaMessage(message);
      } catch {
        continue; // dead-lettered by the one-message path
      }
      offsets.push(message.offset);
      if (!this.options.handlers[envelope.type]) continue;
      if (ids.has(envelope.id)) continue; // a duplicate inside the batch
      if (markers && (await markers.has(this.options.groupId, envelope.id))) continue;
      ids.add(envelope.id);
      envelopes.push(envelope);
      const producer = trace.getSpanContext(contextFromCarrier(headersAsText(message.headers)));
      if (producer) links.push({ context: producer });
    }
    const span = trace.getTracer(TRACER_NAME).startSpan(`${topic} process`, { kind: SpanKind.CONSUMER, links });
    const ctx = trace.setSpan(context.active(), span);
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': this.options.groupId,
      'messaging.batch.message_count': envelopes.length,
    });
    try {
      if (envelopes.length > 0) await context.with(ctx, () => batchHandler(envelopes));
      if (markers)
        await markers.markMany(
          this.options.groupId,
          envelopes.map((e) => e.id),
        );
      for (const offset of offsets) handled.add(offset);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      this.options.onBatchError?.(error, { topic, partition, messages: messages.length });
    } finally {
      span.end();
    }
    return handled;
  }

  private async handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const where = { topic, partition, offset: message.offset };
    // 1. Decode. A malformed envelope will never decode: straight to the dead-letter topic.
    let envelope: EventEnvelope;
    try {
      envelope = fromKafkaMessage(message);
    } catch (error) {
      await this.deadLetter(message, { ...where, attempt: 1 }, error);
      return;
    }
    const handler = this.options.handlers[envelope.type];
    if (!handler) return;
    const markers = this.options.processedMarkers;
    if (markers && (await markers.has(this.options.groupId, envelope.id))) return;

    // 2. Handle inside a consumer span that continues the producer's trace.
    const parent = contextFromCarrier(headersAsText(message.headers));
    const { span, ctx } = startSpan(`${topic} process`, SpanKind.CONSUMER, parent);
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': this.options.groupId,
      'messaging.message.id': envelope.id,
      'messaging.kafka.offset': Number(message.offset),
      'cloudevents.event_type': envelope.type,
    });
    try {
      for (let attempt = 1; ; attempt++) {
        const info = { ...where, attempt };
        try {
          await context.with(ctx, () => handler(envelope, info));
          if (markers) await markers.mark(this.options.groupId, envelope.id);
          return;
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          const retryable = (this.options.isRetryable ?? defaultIsRetryable)(error);
          if (!retryable || attempt >= this.maxAttempts) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
            await this.deadLetter(message, info, error);
            return;
          }
          await this.backoff(attempt, heartbeat);
        }
      }
    } finally {
      span.end();
    }
  }

  // Sleeps 100, 200, 400 ... ms (capped), heartbeating so the group does not think we died.
  private async backoff(attempt: number, heartbeat: () => Promise<void>): Promise<void> {
    let remaining = Math.min(this.maxMs, this.initialMs * 2 ** (attempt - 1));
    while (remaining > 0) {
      const step = Math.min(remaining, 1000);
      await sleep(step);
      remaining -= step;
      await heartbeat();
    }
  }

  private async deadLetter(message: KafkaMessage, info: MessageInfo, error: unknown): Promise<void> {
    const headers: IHeaders = {
      ...message.headers,
      dlq_error_name: error instanceof Error ? error.name : 'Error',
      dlq_error_message: errorMessage(error),
      dlq_error_stack: (error instanceof Error ? (error.stack ?? '') : '').slice(0, 8192),
      dlq_attempts: String(info.attempt),
      dlq_original_topic: info.topic,
      dlq_original_partition: String(info.partition),
      dlq_original_offset: info.offset,
      dlq_consumer_group: this.options.groupId,
      dlq_failed_at: new Date().toISOString(),
    };
    await this.dlqProducer.send({
      topic: dlqTopic(info.topic),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    this.options.onDeadLetter?.(info, error);
  }
}

function defaultIsRetryable(error: unknown): boolean {
  return !(error instanceof EnvelopeValidationError);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf(':');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
