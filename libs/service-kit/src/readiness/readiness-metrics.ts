import { Gauge, register } from 'prom-client';
import type { Readiness } from './readiness';

/** Exposes readiness as gauges so dashboards and alerts see a dependency drop without scraping /health/ready. */
export function exportReadinessMetrics(readiness: Readiness): void {
  const ready = new Gauge({
    name: 'neuroforge_service_ready',
    help: '1 when the service reports ready on /health/ready, else 0',
    registers: [register],
  });
  const dependencyUp = new Gauge({
    name: 'neuroforge_dependency_up',
    help: '1 when the dependency answered its last readiness check, else 0',
    labelNames: ['dependency'],
    registers: [register],
  });
  ready.set(0);
  for (const check of readiness.checks) dependencyUp.set({ dependency: check.name }, 0);
  readiness.onChange((report) => {
    ready.set(report.ready ? 1 : 0);
    for (const dependency of report.dependencies)
      dependencyUp.set({ dependency: dependency.name }, dependency.ok ? 1 : 0);
  });
}
