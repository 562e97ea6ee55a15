// Lets a use case tell the outbox relay that new events were committed, so they go out now, not at the next poll.
export const OUTBOX_SIGNAL = Symbol('OUTBOX_SIGNAL');

export interface OutboxSignal {
  nudge(): void;
}
