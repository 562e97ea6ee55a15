// The event store holding the Model streams (the kit's EventStore port).
export const MODEL_EVENT_STORE = Symbol('MODEL_EVENT_STORE');
