// The one generic command handler: load → decide → append with the expected version → on a version conflict
// reload and decide again, a bounded number of times. Domain errors from `decide` propagate untouched.
import { VersionConflictError } from './errors';
import type { Decider, Event } from './event';
import type { AppendMetadata, EventStore, StoredEvent } from './event-store.port';

export interface HandleCommandOptions {
  /** Retries after a version conflict (default 3); the conflict is rethrown after the last one. */
  maxRetries?: number;
  metadata?: AppendMetadata;
}

export interface HandleCommandResult<E extends Event, S> {
  /** The events this command appended (empty when the decider decided nothing needs to change). */
  readonly events: StoredEvent<E>[];
  readonly nextExpectedVersion: number;
  /** The state after the new events. */
  readonly state: S;
}

export async function handleCommand<C, E extends Event, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  options: HandleCommandOptions = {},
): Promise<HandleCommandResult<E, S>> {
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    // 1. Load: fold the stream into the current state.
    const history = await store.readStream<E>(streamId);
    let state = decider.initialState();
    for (const stored of history) state = decider.evolve(state, stored.event);
    const version = history.length === 0 ? 0 : history[history.length - 1].version;

    // 2. Decide (pure; may throw a DomainError).
    const newEvents = decider.decide(command, state);
    if (newEvents.length === 0) return { events: [], nextExpectedVersion: version, state };

    // 3. Append, expecting the version we decided on.
    try {
      const result = await store.appendToStream(streamId, newEvents, {
        expectedVersion: version,
        metadata: options.metadata,
      });
      for (const event of newEvents) state = decider.evolve(state, event);
      return { events: result.events, nextExpectedVersion: result.nextExpectedVersion, state };
    } catch (error) {
      // 4. Someone appended in between: our decision may be stale, so reload and decide again.
      if (!(error instanceof VersionConflictError) || attempt >= maxRetries) throw error;
      // A little jitter so writers that collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * (attempt + 1)));
    }
  }
}
