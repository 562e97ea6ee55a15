export { bootstrapService, type RunningService, runService, type ServiceDefinition } from './bootstrap';
export { type DependencyName, dependencyChecks, KafkaCheck, MongoCheck, PostgresCheck, RedisCheck } from './checks';
export {
  type EventSourcingOptions,
  eventSourcingProviders,
  KAFKA,
  MONGO_CONNECTION,
  OUTBOX_RELAY,
} from './event-sourcing/event-sourcing.providers';
export {
  decodeErrorDetail,
  ERROR_CODE_KEY,
  ERROR_DETAIL_KEY,
  type ErrorDetail,
  encodeErrorDetail,
  errorCodeOf,
  GRPC_ERROR_MAPPING,
  type GrpcError,
  GrpcErrorFilter,
  type GrpcErrorMapping,
  isDependencyUnavailable,
  toGrpcError,
} from './grpc/grpc-errors';
export { type GrpcContract, GrpcEndpoint } from './grpc/grpc-server';
export { HealthController } from './http/health.controller';
export { liveness, readinessResponse } from './http/health-responses';
export { kafkaClient } from './kafka/kafka-client';
export { SERVICE_CONFIG, SERVICE_LOGGER, SERVICE_NAME, ServiceKitModule } from './kit.module';
export { type ConnectMongoOptions, connectMongo, mongoDb } from './mongo/connect-mongo';
export { type DependencyCheck, describeError, TimeoutError, withTimeout } from './readiness/dependency-check';
export {
  aggregateReadiness,
  checkDependencies,
  type DependencyStatus,
  Readiness,
  type ReadinessReport,
} from './readiness/readiness';
export { LocalModelFolders, parseModelDirs, type ResolvedLocalFolder } from './registry/local-model-folders';
export { ModelEventsFollower, type ModelEventsFollowerOptions } from './registry/model-events-follower';
export {
  RegistryModelClient,
  type RegistryModelClientOptions,
  type RegistryModelErrors,
  type ResolvedRegistryVersion,
} from './registry/registry-model-client';
export { onShutdownSignal, runShutdown, type ShutdownOutcome, type ShutdownStep } from './shutdown/shutdown';
export { createLogger, type Logger, metricsText } from './telemetry';
