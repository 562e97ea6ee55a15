// A job as its stream says at one version, with the times the envelopes recorded.
import { type JobState, jobDecider } from '../domain/job.decider';
import type { JobEvent } from '../domain/job.events';
import { TERMINAL } from '../domain/job.types';

export interface JobSnapshot {
  readonly jobId: string;
  readonly version: number;
  readonly state: JobState;
  readonly createdAt: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export function emptySnapshot(jobId: string): JobSnapshot {
  return { jobId, version: 0, state: jobDecider.initialState(), createdAt: '', startedAt: '', finishedAt: '' };
}

/** Folds more events (with their append times) onto a snapshot. */
export function advance(
  snapshot: JobSnapshot,
  events: readonly { event: JobEvent; version: number; time: string }[],
): JobSnapshot {
  let { state, version, createdAt, startedAt, finishedAt } = snapshot;
  for (const { event, version: v, time } of events) {
    state = jobDecider.evolve(state, event);
    version = v;
    if (event.type === 'job_queued') createdAt = time;
    if (event.type === 'job_started' && startedAt === '') startedAt = time;
    if (TERMINAL.has(state.status) && finishedAt === '') finishedAt = time;
  }
  return { jobId: snapshot.jobId, version, state, createdAt, startedAt, finishedAt };
}
