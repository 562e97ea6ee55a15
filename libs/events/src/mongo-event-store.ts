// The event store on MongoDB (FerretDB v1 locally, MongoDB in production).
//
// Schema: collection `events`, ONE DOCUMENT PER APPEND (a "commit") holding that append's events in order.
// A single-document insert is atomic on both MongoDB and FerretDB, so an append is all-or-nothing without
// multi-document transactions (which FerretDB v1 lacks). The unique index on (streamId, version) — `version`
// being the commit's first version — is the optimistic-concurrency check: two writers that both read version N
// both insert version N+1, and the second gets E11000 → VersionConflictError. See docs/events.md for why this
// never lets two commits overlap.
//
// Global position: each commit gets one position, proposed by a counter document (findOneAndUpdate $inc;
// FerretDB has no change streams or cluster time to order by) and made unique by a unique index, because
// FerretDB v1's $inc is not atomic under concurrency (two callers can get the same value). Positions are
// unique, strictly increase within a stream, and follow commit order across streams closely; a failed append
// leaves a gap. See docs/events.md.
//
// Pages: each commit also records `page` = (version - 1) / STREAM_PAGE, so the tail of a long stream (the
// events after a snapshot) is one or two equality reads of at most STREAM_PAGE commits instead of the whole
// stream (FerretDB v1 pushes equality down but not ranges). Snapshots live in their own collection, one
// document per stream with `_id` = streamId.
import { randomUUID } from 'node:crypto';
import { type Connection, mongo } from 'mongoose';
import { ceSource, ceType, DATA_CONTENT_TYPE, type EventEnvelope } from './envelope';
import { type ExpectedVersion, VersionConflictError } from './errors';
import type { Event } from './event';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './event-store.port';
import { isDuplicateKeyError } from './mongo-errors';
import type { Snapshot } from './snapshot';
import { captureTraceContext } from './trace-context';

/** One event inside a commit document. `data` is JSON text: event payloads may hold keys FerretDB refuses. */
export interface StoredEventRecord {
  id: string;
  type: string;
  cetype: string;
  time: string;
  data: string;
  correlationid?: string;
  causationid?: string;
  traceparent?: string;
  tracestate?: string;
}

/** One append: the stream's versions [version, lastVersion], at one global position shared by its events. */
export interface CommitDocument {
  _id: mongo.ObjectId;
  streamId: string;
  version: number;
  lastVersion: number;
  /** (version - 1) / STREAM_PAGE, rounded down; absent on commits written before pages existed. */
  page?: number;
  position: number;
  source: string;
  committedAt: Date;
  /** Outbox marker: false until the relay has published every event of the commit to Kafka. */
  published: boolean;
  publishedAt?: Date;
  events: StoredEventRecord[];
}

interface StreamHead {
  /** The stream's version: the last version of its last commit (0 when empty). */
  version: number;
  /** That commit's global position (0 when empty). */
  position: number;
}

/** The latest snapshot of a stream (collection `snapshots` by default). */
export interface SnapshotDocument {
  _id: string;
  version: number;
  schemaVersion: number;
  /** JSON text of the (encoded) state. */
  state: string;
  takenAt: Date;
}

export interface MongoEventStoreOptions {
  /** Service name, kebab case: envelopes get source `neuroforge/<service>`. */
  service: string;
  /** Bounded context, e.g. `models`: envelopes get type `neuroforge.<context>.<event>.v1`. */
  context: string;
  /** Default `events`. */
  collection?: string;
  /** Default `counters`; the document `<collection>:position` holds the last global position proposed. */
  countersCollection?: string;
  /** Default `snapshots`. */
  snapshotsCollection?: string;
}

// An `any` append only loses a race to another append of the same stream; a few rounds always suffice.
const ANY_VERSION_ATTEMPTS = 20;
// Proposals of a global position before giving up (each failure means another commit took that position).
const POSITION_ATTEMPTS = 10;
// Streams whose last-seen head is remembered (see `knownHeads`).
const KNOWN_HEADS = 10_000;
/** Commits per page. Part of the stored schema: changing it would misplace the pages of existing commits. */
export const STREAM_PAGE = 64;
const pageOf = (version: number): number => Math.floor((version - 1) / STREAM_PAGE);

export class MongoEventStore implements EventStore {
  readonly source: string;
  readonly context: string;
  readonly db: mongo.Db;
  readonly commits: mongo.Collection<CommitDocument>;
  readonly snapshots: mongo.Collection<SnapshotDocument>;
  private readonly counters: mongo.Collection<{ _id: string; seq: number }>;
  private readonly counterId: string;
  // The last commit end this instance saw per stream (from a read or its own append). An expected version
  // that is a known commit end needs no head check before the insert: it is a boundary and not ahead of the
  // stream, so the unique index alone decides the race. Saves one round trip per handleCommand.
  private readonly knownHeads = new Map<string, StreamHead>();

  constructor(connection: Connection, options: MongoEventStoreOptions) {
    const db = connection.db;
    if (!db) throw new Error('MongoEventStore needs a connected mongoose connection (await connection.asPromise())');
    this.db = db;
    this.source = ceSource(options.service);
    this.context = options.context;
    ceType(options.context, 'probe'); // fail fast on a context name that cannot form a CloudEvents type
    const collection = options.collection ?? 'events';
    this.commits = db.collection<CommitDocument>(collection);
    this.counters = db.collection(options.countersCollection ?? 'counters');
    this.snapshots = db.collection<SnapshotDocument>(options.snapshotsCollection ?? 'snapshots');
    this.counterId = `${collection}:position`;
  }

  /** Creates the indexes; idempotent, call once at start-up. */
  async init(): Promise<void> {
    const indexes: mongo.IndexDescription[] = [
      { key: { streamId: 1, version: 1 }, name: 'stream_version_unique', unique: true },
      { key: { position: 1 }, name: 'position_unique', unique: true },
      // The relay's query. A partial index on published=false would be smaller; FerretDB v1 has none.
      { key: { published: 1, position: 1 }, name: 'outbox' },
      { key: { streamId: 1, page: 1 }, name: 'stream_page' },
    ];
    // One index per command: FerretDB v1.24 drops the connection (a server panic) when one createIndexes
    // command lists several indexes that already exist, i.e. on every restart of a service.
    for (const index of indexes) await this.commits.createIndexes([index]);
  }

  async appendToStream<E extends Event>(
    streamId: string,
    events: E[],
    options: AppendOptions = {},
  ): Promise<AppendResult<E>> {
    const expected = options.expectedVersion ?? 'any';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.appendOnce(streamId, events, expected, options);
      } catch (error) {
        // With `any` the caller asked for no check, so losing the race for the next slot is retried here.
        if (expected !== 'any' || !(error instanceof VersionConflictError) || attempt >= ANY_VERSION_ATTEMPTS) {
          throw error;
        }
      }
    }
  }

  async readStream<E extends Event>(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent<E>[]> {
    const fromVersion = options.fromVersion ?? 1;
    const commits = await this.readCommits(streamId);
    return commits
      .filter((commit) => commit.lastVersion >= fromVersion)
      .flatMap((commit) => this.toStoredEvents<E>(commit))
      .filter((e) => e.version >= fromVersion);
  }

  /**
   * The events after `afterVersion`, reading only the pages from the one holding `afterVersion` on; null when
   * `afterVersion` is not the last version of a commit of this stream. Falls back to reading the whole stream
   * when the pages cannot show the boundary (commits from before pages existed, or a commit spanning pages).
   */
  async readStreamAfter<E extends Event>(streamId: string, afterVersion: number): Promise<StoredEvent<E>[] | null> {
    if (afterVersion === 0) return this.readStream<E>(streamId);
    let tail = await this.readPagesFrom(streamId, afterVersion);
    if (!tail) tail = tailAfter(await this.readCommits(streamId), afterVersion);
    if (!tail) return null;
    const head = tail.at(-1);
    if (head) this.rememberHead(streamId, { version: head.lastVersion, position: head.position });
    return tail.slice(1).flatMap((commit) => this.toStoredEvents<E>(commit));
  }

  async readSnapshot(streamId: string): Promise<Snapshot | null> {
    const doc = await this.snapshots.findOne({ _id: streamId });
    return doc && { streamId, version: doc.version, schemaVersion: doc.schemaVersion, state: doc.state };
  }

  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    const doc: SnapshotDocument = {
      _id: snapshot.streamId,
      version: snapshot.version,
      schemaVersion: snapshot.schemaVersion,
      state: snapshot.state,
      takenAt: new Date(),
    };
    try {
      // Replace an older snapshot or one of another schema; an upsert that finds a newer one of the same schema
      // collides on _id, which means there is nothing to do.
      await this.snapshots.replaceOne(
        {
          _id: snapshot.streamId,
          $or: [{ version: { $lt: snapshot.version } }, { schemaVersion: { $ne: snapshot.schemaVersion } }],
        },
        doc,
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  // Equality only: FerretDB pushes it down to PostgreSQL, a range on lastVersion it would not.
  private async readCommits(streamId: string): Promise<CommitDocument[]> {
    const commits = (await this.commits.find({ streamId }).toArray()).sort((a, b) => a.version - b.version);
    const head = commits.at(-1);
    this.rememberHead(streamId, { version: head?.lastVersion ?? 0, position: head?.position ?? 0 });
    return commits;
  }

  // The commit ending at `afterVersion` and every later one, read page by page: the commit after a page's last
  // one starts in the page of its first version, so reading stops at the first page whose successor would
  // start in the same page. Null when the pages do not show that boundary commit.
  private async readPagesFrom(streamId: string, afterVersion: number): Promise<CommitDocument[] | null> {
    const commits: CommitDocument[] = [];
    for (let page = pageOf(afterVersion); ; ) {
      // The lastVersion condition is evaluated by FerretDB, not PostgreSQL, but still spares the transfer.
      const found = await this.commits.find({ streamId, page, lastVersion: { $gte: afterVersion } }).toArray();
      if (found.length === 0) break;
      commits.push(...found);
      const end = Math.max(...found.map((c) => c.lastVersion));
      const next = pageOf(end + 1);
      if (next === page) break;
      page = next;
    }
    return tailAfter(
      commits.sort((a, b) => a.version - b.version),
      afterVersion,
    );
  }

  /**
   * Events of all streams with a position greater than `afterPosition`, in position order. The events of one
   * append share its position and are never split: the result may exceed `limit` to finish an append.
   */
  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const afterPosition = options.afterPosition ?? 0;
    const limit = options.limit ?? 1000;
    const commits = await this.commits
      .find({ position: { $gt: afterPosition } })
      .sort({ position: 1 })
      .limit(limit)
      .toArray();
    const events: StoredEvent[] = [];
    for (const commit of commits) {
      if (events.length >= limit) break;
      events.push(...this.toStoredEvents(commit));
    }
    return events;
  }

  /** The stream's current version (0 when it has no events). */
  async streamVersion(streamId: string): Promise<number> {
    return (await this.streamHead(streamId)).version;
  }

  private async streamHead(streamId: string): Promise<StreamHead> {
    const head = await this.commits.findOne(
      { streamId },
      { sort: { version: -1 }, projection: { lastVersion: 1, position: 1 } },
    );
    return { version: head?.lastVersion ?? 0, position: head?.position ?? 0 };
  }

  // Proposes the next global position. The first appends into an empty database race to create the counter
  // document; the losers of that upsert get E11000 and simply increment the winner's document.
  private async proposePosition(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const counter = await this.counters.findOneAndUpdate(
          { _id: this.counterId },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
        if (!counter) throw new Error(`counter ${this.counterId} was not returned by findOneAndUpdate`);
        return counter.seq;
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
      }
    }
  }

  private rememberHead(streamId: string, head: StreamHead): void {
    this.knownHeads.delete(streamId); // re-insert: the Map's order is then least recently used first
    this.knownHeads.set(streamId, head);
    if (this.knownHeads.size > KNOWN_HEADS) this.knownHeads.delete(this.knownHeads.keys().next().value as string);
  }

  /** Turns a commit document into its events with full envelopes (used by readers and the outbox relay). */
  toStoredEvents<E extends Event>(commit: CommitDocument): StoredEvent<E>[] {
    return commit.events.map((record, i) => {
      const data = JSON.parse(record.data) as E['data'];
      const envelope: EventEnvelope<E['data']> = {
        specversion: '1.0',
        id: record.id,
        source: commit.source,
        type: record.cetype,
        subject: commit.streamId,
        time: record.time,
        datacontenttype: DATA_CONTENT_TYPE,
        streamversion: commit.version + i,
        ...(record.traceparent ? { traceparent: record.traceparent } : {}),
        ...(record.tracestate ? { tracestate: record.tracestate } : {}),
        ...(record.correlationid ? { correlationid: record.correlationid } : {}),
        ...(record.causationid ? { causationid: record.causationid } : {}),
        data,
      };
      return {
        streamId: commit.streamId,
        version: commit.version + i,
        position: commit.position,
        event: { type: record.type, data } as E,
        envelope,
      };
    });
  }

  private async appendOnce<E extends Event>(
    streamId: string,
    events: E[],
    expected: ExpectedVersion,
    options: AppendOptions,
  ): Promise<AppendResult<E>> {
    // 1. Check the expectation against the stream head. Besides failing fast, this guarantees a commit always
    //    starts right after a commit end the stream really has, so commits tile the stream and the unique
    //    index sees every race. Skipped when the expected version is already known to be such an end.
    const known = this.knownHeads.get(streamId);
    let head: StreamHead;
    if (expected === 'no_stream' || expected === 0) head = { version: 0, position: 0 };
    else if (typeof expected === 'number' && known?.version === expected) head = known;
    else head = await this.streamHead(streamId);
    if (
      (expected === 'no_stream' && head.version !== 0) ||
      (typeof expected === 'number' && head.version !== expected)
    ) {
      throw new VersionConflictError(streamId, expected, head.version);
    }
    const current = head.version;
    if (events.length === 0) return { nextExpectedVersion: current, events: [] };

    const trace = options.metadata?.traceparent
      ? { traceparent: options.metadata.traceparent, tracestate: options.metadata.tracestate }
      : captureTraceContext();
    const time = new Date().toISOString();
    const records = events.map((event): StoredEventRecord => {
      const record: StoredEventRecord = {
        id: randomUUID(),
        type: event.type,
        cetype: ceType(this.context, event.type),
        time,
        data: JSON.stringify(event.data),
      };
      if (options.metadata?.correlationId) record.correlationid = options.metadata.correlationId;
      if (options.metadata?.causationId) record.causationid = options.metadata.causationId;
      if (trace.traceparent) record.traceparent = trace.traceparent;
      if (trace.tracestate) record.tracestate = trace.tracestate;
      return record;
    });

    // 2. Insert the commit at a proposed position. The unique (streamId, version) index rejects a concurrent
    //    writer's duplicate (a version conflict); the unique position index rejects a position someone else
    //    already holds (then propose another). A position must also exceed the stream's previous one, so the
    //    relay's position order is version order even if the counter hands out a stale value.
    for (let attempt = 1; ; attempt++) {
      const commit: CommitDocument = {
        _id: new mongo.ObjectId(),
        streamId,
        version: current + 1,
        lastVersion: current + events.length,
        page: pageOf(current + 1),
        position: Math.max(await this.proposePosition(), head.position + 1),
        source: this.source,
        committedAt: new Date(),
        published: false,
        events: records,
      };
      try {
        await this.commits.insertOne(commit);
        this.rememberHead(streamId, { version: commit.lastVersion, position: commit.position });
        return { nextExpectedVersion: commit.lastVersion, events: this.toStoredEvents<E>(commit) };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // FerretDB's E11000 does not name the index: look whether our version is taken.
        const taken = await this.commits.findOne({ streamId, version: commit.version }, { projection: { _id: 1 } });
        if (taken || attempt >= POSITION_ATTEMPTS) throw new VersionConflictError(streamId, expected, undefined);
      }
    }
  }
}

// The commits from the one ending exactly at `afterVersion` to the head, if that commit is there and the rest
// follow each other without a gap (commits tile a stream); null otherwise.
function tailAfter(sorted: CommitDocument[], afterVersion: number): CommitDocument[] | null {
  const start = sorted.findIndex((c) => c.lastVersion === afterVersion);
  if (start < 0) return null;
  const tail = sorted.slice(start);
  for (let i = 1; i < tail.length; i++) if (tail[i].version !== tail[i - 1].lastVersion + 1) return null;
  return tail;
}
