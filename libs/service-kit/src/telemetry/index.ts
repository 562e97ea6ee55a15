/**
 * The kit's one seam to telemetry (tracing, logs, metrics): the rest of the kit imports these from here only.
 */
export {
  createLogger,
  type Logger,
  metricsContentType,
  metricsText,
  shutdownTelemetry,
  startTelemetry,
} from '@neuroforge/telemetry';
