// Metrics the application reports; the Prometheus adapter lives in infrastructure/.
import type { SchedulerMetrics } from '../batch-scheduler';

export interface ServingMetrics {
  /** Metric hooks for one loaded model version's scheduler. */
  forModel(name: string, version: number): SchedulerMetrics;
  /** Forgets the gauges of an unloaded version. */
  removeModel(name: string, version: number): void;
  responseCache(name: string, hit: boolean): void;
}

export const SERVING_METRICS = Symbol('SERVING_METRICS');
