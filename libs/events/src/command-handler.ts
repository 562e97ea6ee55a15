// The one generic command handler: load → decide → append with the expected version → on a version conflict
// reload and decide again, a bounded number of times. Domain errors from `decide` propagate untouched.
// With a decider that opts into snapshots, load starts from the stream's snapshot and reads only the events
// after it, and a new snapshot is saved once the stream has grown `snapshot.every` events past it.
import { VersionConflictError } from './errors';
import type { Decider, Event } from './event';
import type { AppendMetadata, EventStore, StoredEvent } from './event-store.port';
import { decodeSnapshotState, encodeSnapshotState, type SnapshotPolicy, validateSnapshotPolicy } from './snapshot';

export interface HandleCommandOptions {
  /** Retries after a version conflict (default 3); the conflict is rethrown after the last one. */
  maxRetries?: number;
  metadata?: AppendMetadata;
  /** Told when a snapshot could not be read, decoded or saved (the command goes on without it). */
  onSnapshotError?: SnapshotErrorHandler;
}

export type SnapshotErrorHandler = (error: unknown, streamId: string, stage: 'read' | 'decode' | 'write') => void;

export interface HandleCommandResult<E extends Event, S> {
  /** The events this command appended (empty when the decider decided nothing needs to change). */
  readonly events: StoredEvent<E>[];
  readonly nextExpectedVersion: number;
  /** The state after the new events. */
  readonly state: S;
}

export interface LoadedAggregate<S> {
  readonly state: S;
  /** The stream version the state reflects (0: empty stream). */
  readonly version: number;
  /** The version of the snapshot the load started from (0: none, folded from the first event). */
  readonly snapshotVersion: number;
}

export async function handleCommand<C, E extends Event, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  options: HandleCommandOptions = {},
): Promise<HandleCommandResult<E, S>> {
  const maxRetries = options.maxRetries ?? 3;
  const report = options.onSnapshotError ?? warnSnapshotError;
  for (let attempt = 0; ; attempt++) {
    // 1. Load: the snapshot (if any) plus the events after it, folded into the current state.
    const loaded = await loadAggregate(store, decider, streamId, report);
    let { state } = loaded;
    const { version } = loaded;

    // 2. Decide (pure; may throw a DomainError).
    const newEvents = decider.decide(command, state);
    if (newEvents.length === 0) {
      await maybeSnapshot(store, decider, streamId, state, version, loaded.snapshotVersion, report);
      return { events: [], nextExpectedVersion: version, state };
    }

    // 3. Append, expecting the version we decided on.
    let result: Awaited<ReturnType<EventStore['appendToStream']>>;
    try {
      result = await store.appendToStream(streamId, newEvents, {
        expectedVersion: version,
        metadata: options.metadata,
      });
    } catch (error) {
      // 4. Someone appended in between: our decision may be stale, so reload and decide again.
      if (!(error instanceof VersionConflictError) || attempt >= maxRetries) throw error;
      // A little jitter so writers that collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * (attempt + 1)));
      continue;
    }
    for (const event of newEvents) state = decider.evolve(state, event);
    // 5. Snapshot the new state if the stream has grown enough; the command has succeeded whatever happens here.
    await maybeSnapshot(store, decider, streamId, state, result.nextExpectedVersion, loaded.snapshotVersion, report);
    return { events: result.events as StoredEvent<E>[], nextExpectedVersion: result.nextExpectedVersion, state };
  }
}

/**
 * The aggregate's current state: from its snapshot and the events after it when the decider opts into
 * snapshots and the store supports them, else folded from the whole stream. For queries that read state.
 */
export async function loadAggregate<E extends Event, S>(
  store: EventStore,
  decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState' | 'snapshot'>,
  streamId: string,
  report: SnapshotErrorHandler = warnSnapshotError,
): Promise<LoadedAggregate<S>> {
  const fromSnapshot = await loadFromSnapshot(store, decider, streamId, report);
  if (fromSnapshot) return fromSnapshot;
  const history = await store.readStream<E>(streamId);
  return fold(decider, decider.initialState(), 0, history, 0);
}

async function loadFromSnapshot<E extends Event, S>(
  store: EventStore,
  decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState' | 'snapshot'>,
  streamId: string,
  report: SnapshotErrorHandler,
): Promise<LoadedAggregate<S> | undefined> {
  const policy = decider.snapshot;
  if (!policy || !store.readSnapshot || !store.readStreamAfter) return undefined;
  validateSnapshotPolicy(policy as SnapshotPolicy<unknown>);
  let snapshot: Awaited<ReturnType<NonNullable<EventStore['readSnapshot']>>>;
  try {
    snapshot = await store.readSnapshot(streamId);
  } catch (error) {
    report(error, streamId, 'read');
    return undefined;
  }
  // Another schema version: its state may not fit today's evolve, so rebuild from events.
  if (!snapshot || snapshot.schemaVersion !== policy.version) return undefined;
  let state: S;
  try {
    state = decodeSnapshotState(snapshot.state, policy.codec);
  } catch (error) {
    report(error, streamId, 'decode');
    return undefined;
  }
  // Null: the snapshot's version is not a commit end of the stream (ahead of it, or inside a commit) — do not
  // trust its state at all.
  const tail = await store.readStreamAfter<E>(streamId, snapshot.version);
  if (!tail) return undefined;
  return fold(decider, state, snapshot.version, tail, snapshot.version);
}

function fold<E extends Event, S>(
  decider: Pick<Decider<unknown, E, S>, 'evolve'>,
  start: S,
  startVersion: number,
  events: StoredEvent<E>[],
  snapshotVersion: number,
): LoadedAggregate<S> {
  let state = start;
  for (const stored of events) state = decider.evolve(state, stored.event);
  return { state, version: events.at(-1)?.version ?? startVersion, snapshotVersion };
}

async function maybeSnapshot<E extends Event, S>(
  store: EventStore,
  decider: Pick<Decider<unknown, E, S>, 'snapshot'>,
  streamId: string,
  state: S,
  version: number,
  snapshotVersion: number,
  report: SnapshotErrorHandler,
): Promise<void> {
  const policy = decider.snapshot;
  if (!policy || !store.writeSnapshot || !store.readStreamAfter || version - snapshotVersion < policy.every) return;
  try {
    const encoded = encodeSnapshotState(state, policy.codec);
    await store.writeSnapshot({ streamId, version, schemaVersion: policy.version, state: encoded });
  } catch (error) {
    report(error, streamId, 'write');
  }
}

function warnSnapshotError(error: unknown, streamId: string, stage: string): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.emitWarning(`snapshot ${stage} failed for stream ${streamId}: ${message}`, 'NeuroForgeSnapshotWarning');
}
