import type * as auth from '../generated/neuroforge/auth/v1/events';
import type * as embeddings from '../generated/neuroforge/embeddings/v1/events';
import type * as inference from '../generated/neuroforge/inference/v1/events';
import type * as models from '../generated/neuroforge/models/v1/events';
import type * as training from '../generated/neuroforge/training/v1/events';

/** The contexts that publish events, one Kafka topic each. */
export const EVENT_CONTEXTS = ['auth', 'models', 'inference', 'training', 'embeddings'] as const;
export type EventContext = (typeof EVENT_CONTEXTS)[number];

/** Kafka topic of each context; events are keyed by stream id so one stream stays in order. */
export const TOPICS = {
  auth: 'neuroforge.auth.events',
  models: 'neuroforge.models.events',
  inference: 'neuroforge.inference.events',
  training: 'neuroforge.training.events',
  embeddings: 'neuroforge.embeddings.events',
} as const satisfies Record<EventContext, string>;
export type Topic = (typeof TOPICS)[EventContext];

/**
 * Every public event type (the CloudEvents `type`) and its payload (the CloudEvents `data`), which is the
 * generated message interface from protos/neuroforge/<context>/v1/events.proto serialised as JSON.
 * A new event is a new message in events.proto plus one line here and one in EVENT_CATALOGUE; a breaking payload
 * change is a new message and a `.v2` type, never an edit of a published one.
 */
export interface EventPayloads {
  'neuroforge.auth.user_registered.v1': auth.UserRegistered;
  'neuroforge.auth.user_logged_in.v1': auth.UserLoggedIn;
  'neuroforge.auth.login_failed.v1': auth.LoginFailed;
  'neuroforge.auth.role_changed.v1': auth.RoleChanged;
  'neuroforge.auth.api_key_created.v1': auth.ApiKeyCreated;
  'neuroforge.auth.api_key_revoked.v1': auth.ApiKeyRevoked;
  'neuroforge.auth.refresh_token_reused.v1': auth.RefreshTokenReused;
  'neuroforge.models.model_created.v1': models.ModelCreated;
  'neuroforge.models.model_updated.v1': models.ModelUpdated;
  'neuroforge.models.model_deleted.v1': models.ModelDeleted;
  'neuroforge.models.version_registered.v1': models.VersionRegistered;
  'neuroforge.models.alias_moved.v1': models.AliasMoved;
  'neuroforge.inference.generation_completed.v1': inference.GenerationCompleted;
  'neuroforge.training.job_queued.v1': training.JobQueued;
  'neuroforge.training.job_started.v1': training.JobStarted;
  'neuroforge.training.job_progress.v1': training.JobProgress;
  'neuroforge.training.job_evaluated.v1': training.JobEvaluated;
  'neuroforge.training.job_completed.v1': training.JobCompleted;
  'neuroforge.training.job_failed.v1': training.JobFailed;
  'neuroforge.training.job_stopped.v1': training.JobStopped;
  'neuroforge.training.dataset_registered.v1': training.DatasetRegistered;
  'neuroforge.embeddings.collection_created.v1': embeddings.CollectionCreated;
  'neuroforge.embeddings.collection_deleted.v1': embeddings.CollectionDeleted;
  'neuroforge.embeddings.documents_upserted.v1': embeddings.DocumentsUpserted;
  'neuroforge.embeddings.documents_deleted.v1': embeddings.DocumentsDeleted;
  'neuroforge.embeddings.reembedding_started.v1': embeddings.ReembeddingStarted;
  'neuroforge.embeddings.reembedding_completed.v1': embeddings.ReembeddingCompleted;
  'neuroforge.embeddings.reembedding_failed.v1': embeddings.ReembeddingFailed;
}

export type EventType = keyof EventPayloads;
export type EventPayload<T extends EventType> = EventPayloads[T];

/** Runtime facts about one event type. */
export interface EventDescriptor {
  /** Publishing context. */
  readonly context: EventContext;
  /** Kafka topic it is published on. */
  readonly topic: Topic;
  /** Fully-qualified proto message of its payload. */
  readonly message: string;
}

function entry<C extends EventContext>(context: C, message: string): EventDescriptor {
  return { context, topic: TOPICS[context], message: `neuroforge.${context}.v1.${message}` };
}

/** Runtime catalogue; `satisfies` makes the compiler reject a type missing from, or unknown to, EventPayloads. */
export const EVENT_CATALOGUE = {
  'neuroforge.auth.user_registered.v1': entry('auth', 'UserRegistered'),
  'neuroforge.auth.user_logged_in.v1': entry('auth', 'UserLoggedIn'),
  'neuroforge.auth.login_failed.v1': entry('auth', 'LoginFailed'),
  'neuroforge.auth.role_changed.v1': entry('auth', 'RoleChanged'),
  'neuroforge.auth.api_key_created.v1': entry('auth', 'ApiKeyCreated'),
  'neuroforge.auth.api_key_revoked.v1': entry('auth', 'ApiKeyRevoked'),
  'neuroforge.auth.refresh_token_reused.v1': entry('auth', 'RefreshTokenReused'),
  'neuroforge.models.model_created.v1': entry('models', 'ModelCreated'),
  'neuroforge.models.model_updated.v1': entry('models', 'ModelUpdated'),
  'neuroforge.models.model_deleted.v1': entry('models', 'ModelDeleted'),
  'neuroforge.models.version_registered.v1': entry('models', 'VersionRegistered'),
  'neuroforge.models.alias_moved.v1': entry('models', 'AliasMoved'),
  'neuroforge.inference.generation_completed.v1': entry('inference', 'GenerationCompleted'),
  'neuroforge.training.job_queued.v1': entry('training', 'JobQueued'),
  'neuroforge.training.job_started.v1': entry('training', 'JobStarted'),
  'neuroforge.training.job_progress.v1': entry('training', 'JobProgress'),
  'neuroforge.training.job_evaluated.v1': entry('training', 'JobEvaluated'),
  'neuroforge.training.job_completed.v1': entry('training', 'JobCompleted'),
  'neuroforge.training.job_failed.v1': entry('training', 'JobFailed'),
  'neuroforge.training.job_stopped.v1': entry('training', 'JobStopped'),
  'neuroforge.training.dataset_registered.v1': entry('training', 'DatasetRegistered'),
  'neuroforge.embeddings.collection_created.v1': entry('embeddings', 'CollectionCreated'),
  'neuroforge.embeddings.collection_deleted.v1': entry('embeddings', 'CollectionDeleted'),
  'neuroforge.embeddings.documents_upserted.v1': entry('embeddings', 'DocumentsUpserted'),
  'neuroforge.embeddings.documents_deleted.v1': entry('embeddings', 'DocumentsDeleted'),
  'neuroforge.embeddings.reembedding_started.v1': entry('embeddings', 'ReembeddingStarted'),
  'neuroforge.embeddings.reembedding_completed.v1': entry('embeddings', 'ReembeddingCompleted'),
  'neuroforge.embeddings.reembedding_failed.v1': entry('embeddings', 'ReembeddingFailed'),
} as const satisfies Record<EventType, EventDescriptor>;

/** Event types published by one context, e.g. `EventTypeOf<'models'>`. */
export type EventTypeOf<C extends EventContext> = Extract<EventType, `neuroforge.${C}.${string}`>;

/** A type together with its payload; `AnyEvent` is the discriminated union over all of them. */
export interface TypedEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly data: EventPayloads[T];
}
export type AnyEvent = { [T in EventType]: TypedEvent<T> }[EventType];
/** The union of one context's events, e.g. what a consumer of `neuroforge.models.events` switches over. */
export type ContextEvent<C extends EventContext> = { [T in EventTypeOf<C>]: TypedEvent<T> }[EventTypeOf<C>];

/** Builds a typed event; the compiler checks the payload against the type. */
export function typedEvent<T extends EventType>(type: T, data: EventPayloads[T]): TypedEvent<T> {
  return { type, data };
}

/** Whether a string (e.g. a received CloudEvent's `type`) is a known event type. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, type);
}

/** Kafka topic an event type is published on. */
export function topicOf(type: EventType): Topic {
  return EVENT_CATALOGUE[type].topic;
}

/** Event types published on one context's topic. */
export function eventTypesOf<C extends EventContext>(context: C): EventTypeOf<C>[] {
  return (Object.keys(EVENT_CATALOGUE) as EventType[]).filter(
    (type): type is EventTypeOf<C> => EVENT_CATALOGUE[type].context === context,
  );
}
