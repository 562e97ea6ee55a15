import type { ServiceName } from '@neuroforge/config';

export const SERVICE_READINESS_PORT = Symbol('SERVICE_READINESS_PORT');

/** What one service said on its /health/ready (or why it could not be asked). */
export interface ServiceReadiness {
  name: ServiceName;
  ready: boolean;
  status_code?: number;
  dependencies?: { name: string; ok: boolean; error?: string }[];
  error?: string;
}

/** Asks a backend service whether it is ready. */
export interface ServiceReadinessPort {
  readinessOf(name: ServiceName): Promise<ServiceReadiness>;
}
