import { Counter, collectDefaultMetrics, Histogram, type Registry, register } from 'prom-client';

/**
 * The process's one Prometheus registry. It is prom-client's global registry, so metrics that other code
 * registers with prom-client's defaults end up on the same /metrics page.
 */
export const metricsRegistry: Registry = register;

/** Content-Type of metricsText(), for the /metrics response. */
export const metricsContentType = register.contentType;

export type Transport = 'http' | 'grpc' | 'kafka';

export interface RequestLabels {
  transport: Transport;
  /** Route template (`GET /api/v1/models/:id`), gRPC method (`/neuroforge.models.v1.ModelRegistry/GetModel`), or Kafka topic. Never raw URLs: labels must stay few. */
  route: string;
}

/** `OK`, or a stable error code such as `MODELS.NOT_FOUND`. */
export type Outcome = string;

const OUTCOME_PATTERN = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)*$/;

/**
 * The outcome label for an error: its stable `code` (`MODELS.NOT_FOUND`) when it has one, else `INTERNAL`.
 * Anything that does not look like a code is collapsed so that label values stay a small, fixed set.
 */
export function outcomeOf(error: unknown): Outcome {
  if (error === undefined || error === null) return 'OK';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && OUTCOME_PATTERN.test(code) ? code : 'INTERNAL';
}

// Seconds; spans fast lookups (1 ms) to long generations and training calls (2 min).
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

const LABELS = ['transport', 'route', 'outcome'] as const;

let red: { requests: Counter<(typeof LABELS)[number]>; duration: Histogram<(typeof LABELS)[number]> } | undefined;

// Created on first use, and only once per process even if this module is loaded twice (prom-client refuses
// a second metric of the same name).
function redMetrics() {
  if (red) return red;
  const existing = {
    requests: register.getSingleMetric('neuroforge_requests_total'),
    duration: register.getSingleMetric('neuroforge_request_duration_seconds'),
  };
  red = {
    requests:
      (existing.requests as Counter<(typeof LABELS)[number]> | undefined) ??
      new Counter({
        name: 'neuroforge_requests_total',
        help: 'Requests handled, by transport (http|grpc|kafka), route or method, and outcome (OK or error code).',
        labelNames: LABELS,
        registers: [register],
      }),
    duration:
      (existing.duration as Histogram<(typeof LABELS)[number]> | undefined) ??
      new Histogram({
        name: 'neuroforge_request_duration_seconds',
        help: 'Request handling time in seconds, by transport, route or method, and outcome.',
        labelNames: LABELS,
        buckets: LATENCY_BUCKETS,
        registers: [register],
      }),
  };
  return red;
}

// Registered at load so that /metrics lists them (at zero) before the first request.
redMetrics();

/** Records one finished request (the R, E and D of RED). */
export function recordRequest(labels: RequestLabels & { outcome: Outcome; durationSeconds: number }): void {
  const { requests, duration } = redMetrics();
  const l = { transport: labels.transport, route: labels.route, outcome: labels.outcome };
  requests.inc(l);
  duration.observe(l, labels.durationSeconds);
}

/** Starts timing a request; call the returned function with its outcome when it ends. */
export function startRequestTimer(labels: RequestLabels): (outcome: Outcome) => void {
  const start = process.hrtime.bigint();
  let done = false;
  return (outcome) => {
    if (done) return;
    done = true;
    recordRequest({ ...labels, outcome, durationSeconds: Number(process.hrtime.bigint() - start) / 1e9 });
  };
}

/** Runs `fn`, recording it as a request: outcome `OK`, or outcomeOf(the error) when it throws (and rethrows). */
export async function observeRequest<T>(labels: RequestLabels, fn: () => Promise<T> | T): Promise<T> {
  const end = startRequestTimer(labels);
  try {
    const result = await fn();
    end('OK');
    return result;
  } catch (error) {
    end(outcomeOf(error));
    throw error;
  }
}

let defaultsStarted = false;

/** Default process metrics (CPU, memory, event loop lag, GC, handles); idempotent. */
export function startDefaultMetrics(): void {
  if (defaultsStarted || register.getSingleMetric('process_cpu_user_seconds_total')) {
    defaultsStarted = true;
    return;
  }
  collectDefaultMetrics({ register });
  defaultsStarted = true;
}

/** Labels every metric of this process with `service`. */
export function setMetricsService(serviceName: string): void {
  register.setDefaultLabels({ service: serviceName });
}

/** The Prometheus exposition text for the /metrics endpoint. */
export function metricsText(): Promise<string> {
  return register.metrics();
}
