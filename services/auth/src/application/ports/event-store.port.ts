// The event store is the events kit's port; the auth service names its injection token here.
export type { EventStore } from '@neuroforge/events';
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Wakes the outbox relay after an append so audit events reach Kafka without waiting for its poll. */
export const OUTBOX = Symbol('OUTBOX');
export interface Outbox {
  nudge(): void;
}
