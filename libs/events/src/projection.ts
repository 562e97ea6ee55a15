// A read model fed by events: one document per stream (`_id` = streamId) in its own collection, built by
// handlers that compute the next document from the current one. The document remembers the last stream
// version applied (`_version`), and every write is conditional on it, so duplicate and stale deliveries
// change nothing — idempotent without a separate marker and without transactions. A consumer's Kafka batch is
// applied with one bulkWrite (applyBatch): one conditional write per stream, carrying all its events.

import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { mongo } from 'mongoose';
import type { EventEnvelope } from './envelope';
import { EventConsumer, type EventHandler } from './event-consumer';
import { isDuplicateKeyError } from './mongo-errors';

// Stored shape; the projection's own fields sit beside these two (typed as D at the API).
interface ReadModelDocument {
  _id: string;
  _version: number;
  [field: string]: unknown;
}

/** Computes the next read-model document; `current` is undefined for the stream's first event. */
export type ProjectionHandler<D extends object, Data> = (current: D | undefined, envelope: EventEnvelope<Data>) => D;

export type ApplyResult = 'applied' | 'duplicate' | 'ignored';

/** What applyBatch did: streams written by the bulk write, and streams it had to apply event by event. */
export interface BatchResult {
  written: number;
  retried: number;
}

// Two deliveries of one stream racing (only during a consumer-group rebalance) settle within a few rounds.
const APPLY_ATTEMPTS = 5;

export class Projection<D extends object> {
  readonly collection: mongo.Collection<ReadModelDocument>;
  private readonly handlers = new Map<string, ProjectionHandler<D, never>>();
  // Documents this instance wrote last, by stream: saves the read before each write in the common case of one
  // consumer per partition. Bounded; least recently written dropped first.
  private readonly cache = new Map<string, ReadModelDocument>();

  constructor(
    db: mongo.Db,
    readonly name: string,
    collection: string,
    private readonly cacheSize = 10_000,
  ) {
    this.collection = db.collection<ReadModelDocument>(collection);
  }

  /** Registers the handler for one CloudEvents type; chainable. */
  on<Data>(type: string, handler: ProjectionHandler<D, Data>): this {
    this.handlers.set(type, handler as ProjectionHandler<D, never>);
    return this;
  }

  /** The handlers to give an EventConsumer. */
  eventHandlers(): Record<string, EventHandler> {
    const handlers: Record<string, EventHandler> = {};
    for (const type of this.handlers.keys()) handlers[type] = async (envelope) => void (await this.apply(envelope));
    return handlers;
  }

  /** Applies a consumer's batch (an EventConsumer `batchHandler`): one bulkWrite for all the batch's streams. */
  batchHandler(): (envelopes: EventEnvelope[]) => Promise<void> {
    return async (envelopes) => void (await this.applyBatch(envelopes));
  }

  /**
   * Applies many events with one bulkWrite: each stream's new events (in stream-version order, duplicates and
   * stale ones skipped) are folded into its next document, written with one conditional write per stream, as
   * apply() would. Streams whose write missed (another writer got there first) are applied again one event at
   * a time with apply(), which re-reads; so the result is the same as applying the events in order.
   */
  async applyBatch(envelopes: EventEnvelope[]): Promise<BatchResult> {
    // 1. Each stream's events this projection handles, in stream-version order.
    const byStream = new Map<string, EventEnvelope[]>();
    for (const envelope of envelopes) {
      if (!this.handlers.has(envelope.type)) continue;
      const list = byStream.get(envelope.subject) ?? [];
      list.push(envelope);
      byStream.set(envelope.subject, list);
    }
    if (byStream.size === 0) return { written: 0, retried: 0 };
    for (const list of byStream.values()) list.sort((a, b) => a.streamversion - b.streamversion);

    // 2. The documents as they are (remembered, or read — in parallel — when this instance has not written them).
    const ids = [...byStream.keys()];
    const stored = await Promise.all(
      ids.map((id) => this.current(id, byStream.get(id)?.[0].streamversion ?? 1, false)),
    );

    // 3. Fold each stream's new events into its next document; one write per stream.
    const writes: { id: string; document: ReadModelDocument; events: EventEnvelope[] }[] = [];
    const ops: mongo.AnyBulkWriteOperation<ReadModelDocument>[] = [];
    ids.forEach((id, i) => {
      const base = stored[i];
      let version = base?._version ?? 0;
      let current = base ? strip<D>(base) : undefined;
      for (const envelope of byStream.get(id) ?? []) {
        if (envelope.streamversion <= version) continue; // duplicate or stale delivery
        const handler = this.handlers.get(envelope.type) as ProjectionHandler<D, never>;
        current = { ...handler(current, envelope as EventEnvelope<never>) };
        version = envelope.streamversion;
      }
      if (!current || version === (base?._version ?? 0)) return; // nothing new for this stream
      const document: ReadModelDocument = { ...current, _id: id, _version: version };
      writes.push({ id, document, events: byStream.get(id) ?? [] });
      // An insert collides on _id, a replace that finds another _version upserts and collides on _id: either
      // way a write whose base was stale fails with a duplicate key error at its index.
      ops.push(
        base
          ? { replaceOne: { filter: { _id: id, _version: base._version }, replacement: document, upsert: true } }
          : { insertOne: { document } },
      );
    });
    if (ops.length === 0) return { written: 0, retried: 0 };

    // 4. One round trip; unordered, so one stale stream does not hold back the others.
    const failed = new Set<number>();
    try {
      await this.collection.bulkWrite(ops, { ordered: false });
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      for (const writeError of writeErrors) {
        if (writeError.code !== 11000) throw error;
        failed.add(writeError.index);
      }
    }

    // 5. Remember what was written; re-apply the streams whose base was stale, event by event, re-reading.
    for (const [i, write] of writes.entries()) {
      if (!failed.has(i)) this.remember(write.id, write.document);
    }
    for (const i of failed) {
      const write = writes[i];
      this.cache.delete(write.id);
      for (const envelope of write.events) await this.apply(envelope);
    }
    return { written: writes.length - failed.size, retried: failed.size };
  }

  /** Applies one event unless the document already reflects its stream version. */
  async apply(envelope: EventEnvelope): Promise<ApplyResult> {
    const handler = this.handlers.get(envelope.type);
    if (!handler) return 'ignored';
    const id = envelope.subject;
    for (let attempt = 1; attempt <= APPLY_ATTEMPTS; attempt++) {
      const stored = await this.current(id, envelope.streamversion, attempt > 1);
      const version = stored?._version ?? 0;
      if (envelope.streamversion <= version) return 'duplicate';
      const next = { ...handler(stored ? strip<D>(stored) : undefined, envelope as EventEnvelope<never>) };
      const document: ReadModelDocument = { ...next, _id: id, _version: envelope.streamversion };
      try {
        if (!stored) {
          await this.collection.insertOne(document);
          this.remember(id, document);
          return 'applied';
        }
        const result = await this.collection.replaceOne({ _id: id, _version: version }, document);
        if (result.matchedCount === 1) {
          this.remember(id, document);
          return 'applied';
        }
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Our view was stale (another consumer wrote in between, e.g. during a rebalance): read again.
      this.cache.delete(id);
    }
    throw new Error(`projection ${this.name}: document ${id} kept changing while applying ${envelope.id}`);
  }

  // The document as this instance last wrote it, else as stored. Skips the read for a stream's first event
  // (normally no document yet). Every write is conditional, so a stale answer costs a retry, never a lost or
  // doubled event; only a document changed behind our back to a *higher* version would be misjudged, which
  // only clear() does (and it empties the cache too).
  private async current(id: string, streamversion: number, fresh: boolean): Promise<ReadModelDocument | null> {
    if (!fresh) {
      const cached = this.cache.get(id);
      if (cached) return cached;
      if (streamversion === 1) return null;
    }
    return this.collection.findOne({ _id: id });
  }

  private remember(id: string, document: ReadModelDocument): void {
    this.cache.delete(id); // re-insert so the Map's order is least recently written first
    this.cache.set(id, document);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  async get(id: string): Promise<D | undefined> {
    const stored = await this.collection.findOne({ _id: id });
    return stored ? strip<D>(stored) : undefined;
  }

  /** Every document with its stream id and version, ordered by stream id (for comparisons and listing). */
  async all(): Promise<{ id: string; version: number; document: D }[]> {
    const docs = await this.collection.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, version: d._version, document: strip<D>(d) }));
  }

  async clear(): Promise<void> {
    this.cache.clear();
    await this.collection.deleteMany({});
  }
}

export interface RebuildOptions {
  kafka: Kafka;
  topics: string[];
  /** Prefix of the one-off consumer group (default `projection.<name>`). */
  groupPrefix?: string;
  timeoutMs?: number;
}

/**
 * Rebuilds a projection from scratch: clears the read model, replays its topics from offset 0 with a fresh
 * consumer group until it reaches the end offsets as of the start, then deletes that group. Stop the live
 * consumer of this projection first (or rebuild into a new collection and switch), or it may apply newer
 * events onto the cleared model ahead of the replay.
 */
export async function rebuildProjection<D extends object>(
  projection: Projection<D>,
  options: RebuildOptions,
): Promise<void> {
  await projection.clear();
  const groupId = `${options.groupPrefix ?? `projection.${projection.name}`}.rebuild.${randomUUID()}`;
  const consumer = new EventConsumer({
    kafka: options.kafka,
    groupId,
    topics: options.topics,
    handlers: projection.eventHandlers(),
    batchHandler: projection.batchHandler(),
    fromBeginning: true,
  });
  await consumer.start();
  try {
    await consumer.waitForCatchUp(options.timeoutMs ?? 60_000);
  } finally {
    await consumer.stop();
    const admin = options.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function strip<D extends object>(stored: ReadModelDocument): D {
  const { _id, _version, ...rest } = stored;
  return rest as unknown as D;
}
