import type { ServiceName } from '@neuroforge/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcHealthStatus, reflectionServices } from './grpc-probes';
import { ensureBuilt, ServiceProcess } from './service-process';

export interface LifecycleExpectations {
  /** Dependency names /health/ready must list. */
  dependencies: string[];
  /** Service names reflection must list besides health and reflection themselves. */
  grpcServices?: string[];
  /** Extra environment the service needs to become ready on its own (e.g. a local model for inference). */
  env?: () => Promise<Record<string, string>>;
}

/**
 * The behaviours every gRPC service shares, run against its built process on private ports: it becomes ready
 * against the local stack, answers gRPC health and reflection, serves /metrics, and exits 0 on SIGTERM.
 */
export function describeServiceLifecycle(name: ServiceName, expected: LifecycleExpectations): void {
  describe(`${name} service process`, () => {
    let service: ServiceProcess;

    beforeAll(async () => {
      ensureBuilt(name);
      service = await ServiceProcess.start(name, (await expected.env?.()) ?? {});
      await service.waitForReady(200, 60_000);
    }, 120_000);

    afterAll(async () => {
      await service?.stop('SIGKILL');
    });

    it('reports ready on /health/ready once every dependency answers', async () => {
      const response = await fetch(service.url('/health/ready'));
      const body = (await response.json()) as { ready: boolean; dependencies: { name: string; ok: boolean }[] };
      expect(response.status).toBe(200);
      expect(body.ready).toBe(true);
      expect(body.dependencies.map((d) => d.name).sort()).toEqual([...expected.dependencies].sort());
      expect(body.dependencies.every((d) => d.ok)).toBe(true);
    });

    it('reports live on /health/live', async () => {
      const response = await fetch(service.url('/health/live'));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ service: name, status: 'live' });
    });

    it('answers grpc.health.v1 Check with SERVING', async () => {
      // gRPC health follows the background readiness monitor, which may lag /health/ready by one check round
      // (or flap for a round when a dependency check times out on a loaded machine): poll until it converges.
      const settled = async (served: string) => {
        let status = '';
        for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
          status = await grpcHealthStatus(service.grpcAddress, served);
          if (status === 'SERVING') break;
          await new Promise((r) => setTimeout(r, 250));
        }
        return status;
      };
      expect(await settled('')).toBe('SERVING');
      for (const served of expected.grpcServices ?? []) expect(await settled(served)).toBe('SERVING');
    }, 40_000);

    it('lists its services through server reflection', async () => {
      const listed = await reflectionServices(service.grpcAddress);
      expect(listed).toEqual(
        expect.arrayContaining([
          'grpc.health.v1.Health',
          'grpc.reflection.v1.ServerReflection',
          ...(expected.grpcServices ?? []),
        ]),
      );
    });

    it('serves Prometheus metrics including its readiness', async () => {
      const response = await fetch(service.url('/metrics'));
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      // Label sets may carry more (telemetry adds `service`), so match the metric, its dependency and its value.
      expect(text).toMatch(/^neuroforge_service_ready(\{[^}]*\})? 1$/m);
      for (const dependency of expected.dependencies) {
        expect(text).toMatch(new RegExp(`^neuroforge_dependency_up\\{dependency="${dependency}"[^}]*\\} 1$`, 'm'));
      }
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('exits 0 within a few seconds of SIGTERM', async () => {
      const { code, ms } = await service.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5000);
      expect(service.logs()).toContain('"msg":"stopped"');
    });
  });
}
