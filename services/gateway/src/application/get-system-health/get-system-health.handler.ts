import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_NAMES } from '@neuroforge/config';
import { Readiness } from '@neuroforge/service-kit';
import { SERVICE_READINESS_PORT, type ServiceReadiness, type ServiceReadinessPort } from './service-readiness.port';

export interface SystemHealth {
  status: 'ok' | 'degraded';
  services: ServiceReadiness[];
}

/** The readiness of every service, the gateway's own included; `ok` only when all are ready. */
@Injectable()
export class GetSystemHealthHandler {
  constructor(
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(SERVICE_READINESS_PORT) private readonly backends: ServiceReadinessPort,
  ) {}

  async execute(): Promise<SystemHealth> {
    const own = async (): Promise<ServiceReadiness> => {
      const report = await this.readiness.evaluate();
      return { name: 'gateway', ready: report.ready, dependencies: report.dependencies };
    };
    const services = await Promise.all(
      SERVICE_NAMES.map((name) => (name === 'gateway' ? own() : this.backends.readinessOf(name))),
    );
    return { status: services.every((s) => s.ready) ? 'ok' : 'degraded', services };
  }
}
