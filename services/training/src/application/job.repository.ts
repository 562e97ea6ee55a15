// Loads job streams and runs commands: load → decide → append with the expected version → on a conflict reload
// and decide again (bounded). Streams are cached and read incrementally (a running job appends a progress event
// every second; re-reading the whole stream for each would be quadratic). Every append also refreshes the jobs
// read model, wakes the outbox relay and signals in-process watchers.
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type EventStore, VersionConflictError } from '@neuroforge/events';
import type { JobCommand } from '../domain/job.commands';
import { jobDecider } from '../domain/job.decider';
import type { JobEvent } from '../domain/job.events';
import { jobStreamId } from '../domain/job.types';
import { TrainingErrorCode, trainingErrors } from '../domain/training.errors';
import { JobSignals } from './job-signals';
import { advance, emptySnapshot, type JobSnapshot } from './job-snapshot';
import { OUTBOX_SIGNAL, type OutboxSignal, TRAINING_EVENT_STORE } from './ports/job-store.port';
import { JOBS_VIEW, type JobsView } from './ports/jobs-view.port';

const CONFLICT_RETRIES = 8;
const CACHE_LIMIT = 500;

@Injectable()
export class JobRepository {
  private readonly cache = new Map<string, JobSnapshot>();

  constructor(
    @Inject(TRAINING_EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX_SIGNAL) private readonly outbox: OutboxSignal,
    @Inject(JOBS_VIEW) private readonly view: JobsView,
    @Inject(JobSignals) private readonly signals: JobSignals,
  ) {}

  /** The job as its stream says now. */
  async load(jobId: string): Promise<JobSnapshot> {
    const cached = this.cache.get(jobId) ?? emptySnapshot(jobId);
    const stored = await this.store.readStream<JobEvent>(jobStreamId(jobId), { fromVersion: cached.version + 1 });
    const snapshot = advance(
      cached,
      stored.map((s) => ({ event: s.event, version: s.version, time: s.envelope.time ?? '' })),
    );
    this.remember(snapshot);
    return snapshot;
  }

  /** Like load, but NOT_FOUND for a job that does not exist. */
  async get(jobId: string): Promise<JobSnapshot> {
    const snapshot = await this.load(jobId);
    if (snapshot.state.status === 'none') throw trainingErrors.jobNotFound(jobId);
    return snapshot;
  }

  /** Decides and appends; returns the job after the command and the events it added. */
  async execute(jobId: string, command: JobCommand): Promise<{ snapshot: JobSnapshot; events: JobEvent[] }> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(jobId);
      const events = jobDecider.decide(command, current.state);
      if (events.length === 0) return { snapshot: current, events };
      try {
        const result = await this.store.appendToStream(jobStreamId(jobId), events, {
          expectedVersion: current.version,
        });
        const snapshot = advance(
          current,
          result.events.map((s) => ({ event: s.event, version: s.version, time: s.envelope.time ?? '' })),
        );
        this.remember(snapshot);
        this.outbox.nudge();
        await this.view.save(snapshot);
        this.signals.changed(jobId);
        return { snapshot, events };
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (attempt >= CONFLICT_RETRIES) {
          throw new DomainError(
            TrainingErrorCode.CONCURRENT_CHANGE,
            `job ${jobId} kept changing while this request was applied; retry it`,
            { job_id: jobId },
          );
        }
      }
    }
  }

  private remember(snapshot: JobSnapshot): void {
    if (snapshot.version === 0) return;
    this.cache.delete(snapshot.jobId);
    this.cache.set(snapshot.jobId, snapshot);
    if (this.cache.size > CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
