// @neuroforge/events — NeuroForge's event-sourcing kit. See docs/events.md.
export {
  type HandleCommandOptions,
  type HandleCommandResult,
  handleCommand,
  type LoadedAggregate,
  loadAggregate,
  type SnapshotErrorHandler,
} from './command-handler';
export { DeciderSpecification, type DeciderThen, type DeciderWhen } from './decider-specification';
export {
  ceSource,
  ceType,
  DATA_CONTENT_TYPE,
  EnvelopeValidationError,
  type EventEnvelope,
  envelopeProblems,
  fromKafkaMessage,
  headersAsText,
  type IncomingKafkaMessage,
  type OutgoingKafkaMessage,
  parseCeType,
  toKafkaMessage,
  validateEnvelope,
} from './envelope';
export { type ExpectedVersion, VersionConflictError } from './errors';
export {
  assertNever,
  type Command,
  type Decider,
  DomainError,
  type Event,
  type FieldViolation,
  foldEvents,
  InvalidFieldsError,
} from './event';
export {
  type BackoffOptions,
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type MessageInfo,
} from './event-consumer';
export type {
  AppendMetadata,
  AppendOptions,
  AppendResult,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './event-store.port';
export { deleteTopics, dlqTopic, type EnsureTopicsOptions, ensureTopics } from './kafka-topics';
export { type LeaseDocument, MongoLease } from './lease';
export { isDuplicateKeyError } from './mongo-errors';
export {
  type CommitDocument,
  MongoEventStore,
  type MongoEventStoreOptions,
  type SnapshotDocument,
  STREAM_PAGE,
  type StoredEventRecord,
} from './mongo-event-store';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export { ProcessedMarkers } from './processed-markers';
export {
  type ApplyResult,
  Projection,
  type ProjectionHandler,
  type RebuildOptions,
  rebuildProjection,
} from './projection';
export {
  decodeSnapshotState,
  encodeSnapshotState,
  type Snapshot,
  type SnapshotCodec,
  type SnapshotPolicy,
  SnapshotStateError,
} from './snapshot';
export { captureTraceContext, contextFromCarrier, TRACER_NAME, type TraceCarrier } from './trace-context';
