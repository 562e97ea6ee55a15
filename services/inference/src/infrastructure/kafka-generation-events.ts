// generation_completed events straight to Kafka as binary-mode CloudEvents (the kit's envelope), batched in the
// background. Why not the outbox: the inference service owns no aggregate and no database — each request is a
// stream of exactly one event (`request-<id>`, version 1) — and a Mongo write per request on the serving path
// would cost more than the event is worth. The price is a small loss window (events buffered when the process
// dies); the buffer is bounded, flushed every few milliseconds and on shutdown (docs/inference.md).
import { randomUUID } from 'node:crypto';
import type { inferenceEvents } from '@neuroforge/contracts';
import { ceSource, type EventEnvelope, ensureTopics, toKafkaMessage } from '@neuroforge/events';
import { currentTraceparent } from '@neuroforge/telemetry';
import type { Kafka, Producer } from 'kafkajs';
import type { GenerationEvents } from '../application/ports/generation-events.port';

const TYPE = 'neuroforge.inference.generation_completed.v1';
const MAX_BUFFERED = 10_000;
const FLUSH_EVERY_MS = 20;

export interface EventLog {
  warn(fields: object, message: string): void;
}

export class KafkaGenerationEvents implements GenerationEvents {
  private readonly producer: Producer;
  private buffer: ReturnType<typeof toKafkaMessage>[] = [];
  private connected: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(
    /** The service's Kafka client (the kit's kafkaClient). */
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly log: EventLog,
  ) {
    // Few retries: a send on the serving path's flush loop must fail fast rather than hold the buffer.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 3 } });
  }

  completed(data: inferenceEvents.GenerationCompleted): void {
    const traceparent = currentTraceparent();
    const envelope: EventEnvelope<inferenceEvents.GenerationCompleted> = {
      specversion: '1.0',
      id: randomUUID(),
      source: ceSource('inference'),
      type: TYPE,
      subject: `request-${data.requestId}`,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      streamversion: 1,
      correlationid: data.requestId,
      ...(traceparent ? { traceparent } : {}),
      data,
    };
    if (this.buffer.length >= MAX_BUFFERED) {
      this.dropped += 1;
      return;
    }
    this.buffer.push(toKafkaMessage(envelope));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_EVERY_MS);
  }

  /** Creates the topic and connects, so the first event does not pay for it. */
  async start(): Promise<void> {
    await this.connect().catch((error) => this.log.warn({ error: String(error) }, 'kafka producer not connected yet'));
  }

  /** Sends what is buffered (in order; one send at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.buffer.splice(0);
      if (batch.length === 0) return;
      try {
        await this.connect();
        await this.producer.send({ topic: this.topic, acks: -1, messages: batch });
      } catch (error) {
        // Put them back (bounded) for the next flush; Kafka being down must not grow memory without limit.
        this.buffer.unshift(...batch.slice(0, Math.max(0, MAX_BUFFERED - this.buffer.length)));
        this.connected = undefined;
        this.log.warn(
          { error: String(error), events: batch.length },
          'publishing generation events failed; will retry',
        );
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          void this.flush();
        }, 1000);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.producer.disconnect().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connected ??= (async () => {
      await ensureTopics(this.kafka, [this.topic]);
      await this.producer.connect();
    })().catch((error) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }
}
