// A model as read back from its stream: the decider's state plus the times the envelopes carry (events hold no
// times, so that payloads stay the proto messages). Pure: the caller passes the stored events.

import { modelDecider } from './model.decider';
import type { ModelEvent } from './model.events';
import type { ModelState } from './model.state';

export interface TimedEvent {
  readonly event: ModelEvent;
  /** ISO 8601 time of the append. */
  readonly time: string;
}

export interface ModelSnapshot {
  readonly state: ModelState;
  /** Stream version (number of events). */
  readonly streamVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** version number → registration time. */
  readonly versionCreatedAt: ReadonlyMap<number, string>;
}

export function snapshotOf(history: readonly TimedEvent[]): ModelSnapshot {
  let state = modelDecider.initialState();
  const versionCreatedAt = new Map<number, string>();
  for (const { event, time } of history) {
    state = modelDecider.evolve(state, event);
    if (event.type === 'version_registered') versionCreatedAt.set(event.data.version, time);
  }
  return {
    state,
    streamVersion: history.length,
    createdAt: history[0]?.time ?? '',
    updatedAt: history[history.length - 1]?.time ?? '',
    versionCreatedAt,
  };
}
