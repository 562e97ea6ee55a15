import type { ReadinessReport } from '../readiness/readiness';

export interface HealthResponse {
  statusCode: number;
  body: unknown;
}

/** `/health/live`: the process is up and its event loop turns. */
export function liveness(service: string): HealthResponse {
  return { statusCode: 200, body: { service, status: 'live', uptime_s: Math.round(process.uptime()) } };
}

/** `/health/ready`: 200 only when every dependency answered; otherwise 503 naming which failed and why. */
export function readinessResponse(report: ReadinessReport): HealthResponse {
  const failed = report.dependencies.filter((d) => !d.ok).map((d) => ({ name: d.name, error: d.error ?? 'failed' }));
  return {
    statusCode: report.ready ? 200 : 503,
    body: { ...report, ...(failed.length > 0 ? { failed } : {}) },
  };
}
