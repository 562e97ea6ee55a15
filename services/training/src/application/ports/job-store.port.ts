// Where job and dataset events are stored (the kit's Mongo event store) and how the outbox relay is woken.
export const TRAINING_EVENT_STORE = Symbol('TRAINING_EVENT_STORE');
export const OUTBOX_SIGNAL = Symbol('OUTBOX_SIGNAL');

export interface OutboxSignal {
  /** Publish soon: an append just committed. */
  nudge(): void;
}
