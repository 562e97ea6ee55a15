// Metrics the application reports; the Prometheus adapter lives in infrastructure/.
import type { SchedulerMetrics } from '../batch-scheduler';
import type { ExpertLoadSource } from './model-loader.port';

export interface ServingMetrics {
  /**
   * Metric hooks for one loaded model version's scheduler; `expertLoad` (MoE models) is drained into the
   * per-expert token counter after every engine call.
   */
  forModel(name: string, version: number, expertLoad?: ExpertLoadSource): SchedulerMetrics;
  /** Forgets the gauges of an unloaded version. */
  removeModel(name: string, version: number): void;
  responseCache(name: string, hit: boolean): void;
}

export const SERVING_METRICS = Symbol('SERVING_METRICS');
