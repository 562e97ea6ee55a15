import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@neuroforge/service-kit';
import { SERVICE_LOGGER } from '@neuroforge/service-kit';
import { Gauge } from 'prom-client';
import { TRAINING_JOB_READER, type TrainingJobReader } from './training-job-reader.port';
import type { TrainingUpdate } from './training-update';

const watchers = new Gauge({
  name: 'neuroforge_gateway_training_watchers',
  help: 'Clients (SSE streams and WebSocket watches) following a training job on this gateway.',
});

/** How often a watched job is re-read with GetJob, in case an event was missed (see `reconcile`). */
export const RECONCILE_INTERVAL_MS = Symbol('RECONCILE_INTERVAL_MS');
export const DEFAULT_RECONCILE_INTERVAL_MS = 5000;

type Listener = (update: TrainingUpdate) => void;

interface WatchedJob {
  listeners: Set<Listener>;
  timer: NodeJS.Timeout;
  reading: boolean;
}

/**
 * Fans the training events this gateway consumes out to the clients watching each job. One Kafka consumer per
 * gateway instance feeds it, so the cost of following a job does not grow with the number of watchers.
 *
 * It also re-reads every watched job with GetJob now and then (one call per job, not per watcher): a gateway
 * whose consumer has not joined its group yet, or lost Kafka for a while, would otherwise miss a job's last event
 * and keep its watchers waiting for ever.
 */
@Injectable()
export class TrainingProgressHub implements OnModuleDestroy {
  private readonly jobs = new Map<string, WatchedJob>();

  constructor(
    @Inject(TRAINING_JOB_READER) private readonly reader: TrainingJobReader,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(RECONCILE_INTERVAL_MS) private readonly reconcileMs: number,
  ) {}

  /** Starts delivering `jobId`'s updates to `listener`; call the returned function to stop. */
  subscribe(jobId: string, listener: Listener): () => void {
    let job = this.jobs.get(jobId);
    if (!job) {
      const timer = setInterval(() => void this.reconcile(jobId), this.reconcileMs);
      timer.unref();
      job = { listeners: new Set(), timer, reading: false };
      this.jobs.set(jobId, job);
    }
    job.listeners.add(listener);
    watchers.inc();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      watchers.dec();
      const current = this.jobs.get(jobId);
      if (!current?.listeners.delete(listener)) return;
      if (current.listeners.size === 0) {
        clearInterval(current.timer);
        this.jobs.delete(jobId);
      }
    };
  }

  /** Hands an update to the job's watchers; an update for a job nobody here watches costs one map lookup. */
  publish(update: TrainingUpdate): void {
    const job = this.jobs.get(update.jobId);
    if (!job) return;
    for (const listener of [...job.listeners]) listener(update);
  }

  /** Jobs with at least one watcher on this instance. */
  get watchedJobs(): number {
    return this.jobs.size;
  }

  onModuleDestroy(): void {
    for (const job of this.jobs.values()) clearInterval(job.timer);
  }

  private async reconcile(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job || job.reading) return;
    job.reading = true;
    try {
      this.publish({ kind: 'snapshot', jobId, job: await this.reader.get(jobId) });
    } catch (error) {
      // The next tick tries again; the watchers keep what they have.
      this.logger.debug({ err: error, job_id: jobId }, 'reconciling a watched training job failed');
    } finally {
      job.reading = false;
    }
  }
}
