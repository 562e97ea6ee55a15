import { Inject, Injectable } from '@nestjs/common';
import { type NeuroForgeConfig, type ServiceName, serviceConfig } from '@neuroforge/config';
import { describeError, SERVICE_CONFIG } from '@neuroforge/service-kit';
import type { ServiceReadiness, ServiceReadinessPort } from '../application/get-system-health/service-readiness.port';

/** Reads a service's `/health/ready` on its operations port; a service that does not answer in 2 s is not ready. */
@Injectable()
export class HttpServiceReadinessAdapter implements ServiceReadinessPort {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NeuroForgeConfig) {}

  async readinessOf(name: ServiceName): Promise<ServiceReadiness> {
    const { host, metrics_port } = serviceConfig(this.config, name);
    try {
      const response = await fetch(`http://${host}:${metrics_port}/health/ready`, {
        signal: AbortSignal.timeout(2000),
      });
      const body = (await response.json()) as Pick<ServiceReadiness, 'dependencies'>;
      return { name, ready: response.status === 200, status_code: response.status, dependencies: body.dependencies };
    } catch (error) {
      return { name, ready: false, error: describeError(error) };
    }
  }
}
