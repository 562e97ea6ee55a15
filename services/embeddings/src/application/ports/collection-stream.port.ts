// The Collection event stream: commands decided against the stream and appended (the kit's command handler);
// the outbox relay publishes them to neuroforge.embeddings.events.
import type { EventStore } from '@neuroforge/events';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const OUTBOX_SIGNAL = Symbol('OUTBOX_SIGNAL');

/** Wakes the outbox relay after an append in this process. */
export interface OutboxSignal {
  nudge(): void;
}

export type { EventStore };
