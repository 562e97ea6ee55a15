// The outbox relay: publishes committed, unpublished events from the event store to Kafka, in global
// position order (hence version order within each stream), keyed by streamId, then marks them published.
//
// At-least-once: a relay killed after publishing but before marking republishes those events when it (or
// another relay) next runs; consumers de-duplicate. Only the holder of the outbox lease publishes, so two
// relays do not interleave; a relay that stalls past its lease can at worst re-send events already sent by its
// successor, and since each relay sends a stream's events in order, the first copy of every version still
// arrives in order (docs/events.md).
import { type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { toKafkaMessage } from './envelope';
import type { StoredEvent } from './event-store.port';
import { type LeaseDocument, MongoLease } from './lease';
import type { CommitDocument, MongoEventStore } from './mongo-event-store';
import { contextFromCarrier, injectIntoHeaders, startSpan } from './trace-context';

export interface OutboxRelayOptions {
  store: MongoEventStore;
  kafka: Kafka;
  /** The topic for every event of this store (e.g. `neuroforge.models.events`), or a router per event. */
  topic: string | ((event: StoredEvent) => string);
  /** Lease name: one relay at a time per outbox. Default `outbox:<events collection>`. */
  leaseName?: string;
  /** Lease collection in the store's database. Default `leases`. */
  leaseCollection?: string;
  leaseTtlMs?: number;
  /** Commits read and published per round (default 500). */
  batchSize?: number;
  /** Sleep when the outbox is empty or the lease is held elsewhere (default 100 ms). */
  pollIntervalMs?: number;
  /** Called with each error of the loop (which keeps running). Default: console.error. */
  onError?: (error: unknown) => void;
  /** Fault injection for tests: runs after Kafka acknowledged a round and before it is marked published. */
  afterPublish?: (events: StoredEvent[]) => Promise<void> | void;
}

export class OutboxRelay {
  private readonly producer: Producer;
  private readonly lease: MongoLease;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private connected = false;

  constructor(private readonly options: OutboxRelayOptions) {
    // One request in flight keeps a partition's messages in order even when kafkajs retries.
    this.producer = options.kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: true });
    this.lease = new MongoLease(
      options.store.db.collection<LeaseDocument>(options.leaseCollection ?? 'leases'),
      options.leaseName ?? `outbox:${options.store.commits.collectionName}`,
      options.leaseTtlMs ?? 15_000,
    );
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
  }

  /** Starts the publishing loop in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop after its current round, gives the lease back and disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    if (this.connected) {
      await this.lease.release().catch(() => undefined);
      await this.producer.disconnect();
      this.connected = false;
    }
  }

  /** Wakes a sleeping loop now (e.g. right after an append) instead of at the next poll. */
  nudge(): void {
    this.nudged = true; // remembered if the loop is mid-round, so the next sleep is skipped
    this.wake?.();
  }

  /**
   * One round: takes or renews the lease, publishes up to `batchSize` unpublished commits and marks them.
   * Returns the number of events published, or -1 when another relay holds the lease.
   */
  async publishOnce(): Promise<number> {
    await this.connect();
    // Renew well before expiry so the lease cannot lapse in the middle of a round.
    if (this.lease.remainingMs() < this.lease.ttlMs / 2 && !(await this.lease.acquire())) return -1;

    // 1. Oldest unpublished commits first: global position order is version order within each stream.
    const commits: CommitDocument[] = await this.options.store.commits
      .find({ published: false })
      .sort({ position: 1 })
      .limit(this.batchSize)
      .toArray();
    if (commits.length === 0) return 0;
    const events = commits.flatMap((commit) => this.options.store.toStoredEvents(commit));
    const dataJson = commits.flatMap((commit) => commit.events.map((record) => record.data));

    // 2. Publish, continuing each event's trace from the request that appended it.
    const byTopic = new Map<string, Message[]>();
    const spans: Span[] = [];
    events.forEach((stored, i) => {
      const topic = typeof this.options.topic === 'string' ? this.options.topic : this.options.topic(stored);
      const message = toKafkaMessage(stored.envelope, dataJson[i]);
      if (stored.envelope.traceparent) {
        const parent = contextFromCarrier({
          traceparent: stored.envelope.traceparent,
          tracestate: stored.envelope.tracestate,
        });
        const { span, ctx } = startSpan(`${topic} publish`, SpanKind.PRODUCER, parent);
        span.setAttributes(messagingAttributes(topic, stored));
        injectIntoHeaders(ctx, message.headers);
        spans.push(span);
      }
      const list = byTopic.get(topic) ?? [];
      list.push(message);
      byTopic.set(topic, list);
    });
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }

    // 3. Mark published. A crash before this line means the round is published again: at-least-once.
    await this.options.afterPublish?.(events);
    //    One update per commit by _id in a single request: FerretDB v1 evaluates `_id: {$in: [...]}` by scanning
    //    the whole collection, but pushes each `_id` equality down to an index lookup.
    const publishedAt = new Date();
    await this.options.store.commits.bulkWrite(
      commits.map((c) => ({
        updateOne: { filter: { _id: c._id }, update: { $set: { published: true, publishedAt } } },
      })),
      { ordered: false },
    );
    return events.length;
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.publishOnce();
      } catch (error) {
        (this.options.onError ?? ((e) => console.error('outbox relay round failed', e)))(error);
      }
      // A full round means more is probably waiting: go again at once.
      if (this.running && published < this.batchSize) await this.sleep(this.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.nudged || !this.running) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.nudged = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function messagingAttributes(topic: string, stored: StoredEvent): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.operation.type': 'send',
    'messaging.message.id': stored.envelope.id,
    'messaging.kafka.message.key': stored.streamId,
    'cloudevents.event_type': stored.envelope.type,
  };
}
