// Where the training service keeps its data and publishes, and the pool's timings. Defaults are production's
// (from config); tests override them.
import { topicOf } from '@neuroforge/contracts';
import type { PoolSettings } from '../application/worker-pool/pool-settings';

export interface TrainingModuleOptions {
  /** Kafka topic of the training events (default `neuroforge.training.events`). */
  topic?: string;
  /** Pool settings over the configured ones. */
  pool?: Partial<PoolSettings>;
  /** How long StopJob waits for the job to end before answering (default 15 s). */
  stopWaitMs?: number;
  /** Model registry gRPC address (default from services.model_registry). */
  registryAddress?: string;
  /** Python interpreter of the workers (default: training.python, or the project's venv when that is `python3`). */
  python?: string;
}

export const TRAINING_OPTIONS = Symbol('TRAINING_OPTIONS');

export function trainingTopic(options: TrainingModuleOptions): string {
  return options.topic ?? topicOf('neuroforge.training.job_queued.v1');
}

/** The service's Mongo collections (prefixed: services may share a database). */
export const COLLECTIONS = {
  events: 'training_events',
  counters: 'training_counters',
  outboxLeases: 'training_outbox_leases',
  jobs: 'training_jobs',
  jobLeases: 'training_job_leases',
} as const;
