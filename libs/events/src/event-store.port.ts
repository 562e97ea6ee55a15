// The event store port. MongoEventStore implements it; handleCommand and tests depend only on this.
import type { EventEnvelope } from './envelope';
import type { ExpectedVersion } from './errors';
import type { Event } from './event';
import type { Snapshot } from './snapshot';

/** Who and what caused an append; copied into every envelope of the append. */
export interface AppendMetadata {
  correlationId?: string;
  causationId?: string;
  /** W3C trace context; defaults to the active one (captureTraceContext). */
  traceparent?: string;
  tracestate?: string;
}

export interface AppendOptions {
  /** Default `any`. A number is the version the writer read (0 for an empty stream). */
  expectedVersion?: ExpectedVersion;
  metadata?: AppendMetadata;
}

/** An event as read back from the store: the domain event plus where it sits and its envelope. */
export interface StoredEvent<E extends Event = Event> {
  readonly streamId: string;
  /** Position inside the stream, 1-based and contiguous. */
  readonly version: number;
  /** Global position: unique and increasing in commit order (gaps allowed). */
  readonly position: number;
  readonly event: E;
  readonly envelope: EventEnvelope<E['data']>;
}

export interface AppendResult<E extends Event = Event> {
  /** The stream's version after the append; pass it as expectedVersion for the next append. */
  readonly nextExpectedVersion: number;
  readonly events: StoredEvent<E>[];
}

export interface ReadStreamOptions {
  /** First version to return (default 1). */
  fromVersion?: number;
}

export interface ReadAllOptions {
  /** Return events with a global position strictly greater than this (default 0). */
  afterPosition?: number;
  /** At most this many events (default 1000). */
  limit?: number;
}

export interface EventStore {
  appendToStream<E extends Event>(streamId: string, events: E[], options?: AppendOptions): Promise<AppendResult<E>>;
  readStream<E extends Event>(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent<E>[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /**
   * The events after `afterVersion` (a snapshot's version), read without loading the whole stream; `null` when
   * `afterVersion` is not a commit boundary of the stream (beyond its head, or inside a commit), i.e. a
   * snapshot at that version must not be trusted. Optional: handleCommand snapshots only with stores that have
   * it and the two snapshot methods.
   */
  readStreamAfter?<E extends Event>(streamId: string, afterVersion: number): Promise<StoredEvent<E>[] | null>;
  /** The stream's latest snapshot, or null. */
  readSnapshot?(streamId: string): Promise<Snapshot | null>;
  /** Saves a snapshot unless the stored one is newer (same schema version); concurrent savers may both win. */
  writeSnapshot?(snapshot: Snapshot): Promise<void>;
}
