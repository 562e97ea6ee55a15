// The jobs read model: one document per job, written after every append (conditional on the stream version), for
// listing and for the pool's queue scans. GetJob and WatchJob read the stream itself.

import type { JobStatus } from '../../domain/job.types';
import type { JobSnapshot } from '../job-snapshot';

export const JOBS_VIEW = Symbol('JOBS_VIEW');

export interface JobsPage {
  readonly jobs: JobSnapshot[];
  readonly hasMore: boolean;
}

export interface JobsView {
  /** Stores the job as of `snapshot.version`; an older snapshot never overwrites a newer one. */
  save(snapshot: JobSnapshot): Promise<void>;
  /** Newest first. */
  list(options: { status?: JobStatus; offset: number; limit: number }): Promise<JobsPage>;
  /** Oldest first: the queue order. */
  oldest(status: JobStatus, limit: number): Promise<JobSnapshot[]>;
  /** Completed jobs whose result still has to be registered. */
  pendingRegistrations(limit: number): Promise<JobSnapshot[]>;
}
