// @neuroforge/telemetry: OpenTelemetry bootstrap, JSON logs with trace ids, Prometheus metrics.
export { type CreateLoggerOptions, createLogger, type Logger } from './logger';
export {
  metricsContentType,
  metricsRegistry,
  metricsText,
  type Outcome,
  observeRequest,
  outcomeOf,
  type RequestLabels,
  recordRequest,
  startDefaultMetrics,
  startRequestTimer,
  type Transport,
} from './metrics';
export {
  activeTraceIds,
  currentTraceparent,
  extractTraceContext,
  injectTraceHeaders,
  type KafkaHeaders,
  propagator,
} from './propagation';
export {
  type StartTelemetryOptions,
  shutdownTelemetry,
  startTelemetry,
  type TelemetryHandle,
  telemetryHandle,
} from './sdk';
export { qualifiedServiceName } from './sdk-state';
