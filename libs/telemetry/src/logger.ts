import type { NeuroForgeConfig } from '@neuroforge/config';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { activeTraceIds } from './propagation';
import { telemetryServiceName } from './sdk-state';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Where JSON lines go (default: stdout). */
  destination?: DestinationStream;
  /** Extra fields on every line. */
  base?: Record<string, unknown>;
}

// Secrets that must never reach a log line, wherever a handler happens to log them.
const REDACT = [
  'password',
  'token',
  'access_token',
  'refresh_token',
  'api_key',
  'apiKey',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
];

/**
 * A pino JSON logger: `level` (as a word), `time` (ISO 8601), `service`, `name`, `msg`, and `trace_id` /
 * `span_id` whenever a span is active. The ids come from a mixin that reads the active OpenTelemetry context,
 * so they are there whatever the import order and in every child logger.
 */
export function createLogger(name: string, config: NeuroForgeConfig, options: CreateLoggerOptions = {}): Logger {
  const opts: LoggerOptions = {
    name,
    level: config.system.log_level,
    base: { service: telemetryServiceName() ?? name, pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => activeTraceIds() ?? {},
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
