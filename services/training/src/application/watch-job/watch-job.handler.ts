// WatchJob: the job's current progress first (or its state when it has none yet), then every progress or
// evaluation event as it is appended, ending with one report that carries the terminal state. Each report comes
// with the job's latest held-out evaluation. Reads the stream (woken by in-process
// signals, polling as a fallback for jobs run by another replica).
import { Inject, Injectable } from '@nestjs/common';
import { type EvaluationRecord, JOB_STATE_OF, type ProgressRecord, TERMINAL } from '../../domain/job.types';
import { JobRepository } from '../job.repository';
import { JobSignals } from '../job-signals';
import type { JobSnapshot } from '../job-snapshot';

const POLL_MS = 1000;

export interface WatchReport {
  readonly progress: ProgressRecord;
  /** The latest held-out evaluation at the time of the report; null before the first. */
  readonly evaluation: EvaluationRecord | null;
}

function report(snapshot: JobSnapshot): WatchReport {
  return { progress: progressOf(snapshot), evaluation: snapshot.state.evaluation };
}

function progressOf(snapshot: JobSnapshot): ProgressRecord {
  const state = JOB_STATE_OF[snapshot.state.status];
  const progress = snapshot.state.progress;
  if (progress) return { ...progress, state };
  return {
    jobId: snapshot.jobId,
    state,
    step: snapshot.state.resumedFromStep,
    maxSteps: snapshot.state.job?.training.maxSteps ?? 0,
    loss: 0,
    learningRate: 0,
    tokensPerSecond: 0,
    etaSeconds: 0,
    reportedAt: new Date().toISOString(),
  };
}

@Injectable()
export class WatchJobHandler {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(JobSignals) private readonly signals: JobSignals,
  ) {}

  async *watch(jobId: string, cancelled: () => boolean): AsyncGenerator<WatchReport> {
    let snapshot = await this.jobs.get(jobId);
    yield report(snapshot);
    let seen = snapshot.state.progress;
    let seenEvaluation = snapshot.state.evaluation;
    while (!TERMINAL.has(snapshot.state.status) && !cancelled()) {
      await this.signals.nextChange(jobId, POLL_MS);
      const before = snapshot.version;
      snapshot = await this.jobs.load(jobId);
      if (snapshot.version === before) continue;
      const { progress, evaluation } = snapshot.state;
      if (TERMINAL.has(snapshot.state.status)) break;
      if ((progress && progress !== seen) || evaluation !== seenEvaluation) {
        seen = progress;
        seenEvaluation = evaluation;
        yield report(snapshot);
      }
    }
    if (!cancelled()) yield report(snapshot);
  }
}
