// WatchJob: the job's current progress first (or its state when it has none yet), then every progress event as
// it is appended, ending with one report that carries the terminal state. Reads the stream (woken by in-process
// signals, polling as a fallback for jobs run by another replica).
import { Inject, Injectable } from '@nestjs/common';
import { JOB_STATE_OF, type ProgressRecord, TERMINAL } from '../../domain/job.types';
import { JobRepository } from '../job.repository';
import { JobSignals } from '../job-signals';
import type { JobSnapshot } from '../job-snapshot';

const POLL_MS = 1000;

function report(snapshot: JobSnapshot): ProgressRecord {
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

  async *watch(jobId: string, cancelled: () => boolean): AsyncGenerator<ProgressRecord> {
    let snapshot = await this.jobs.get(jobId);
    yield report(snapshot);
    let seen = snapshot.state.progress;
    while (!TERMINAL.has(snapshot.state.status) && !cancelled()) {
      await this.signals.nextChange(jobId, POLL_MS);
      const before = snapshot.version;
      snapshot = await this.jobs.load(jobId);
      if (snapshot.version === before) continue;
      const progress = snapshot.state.progress;
      if (TERMINAL.has(snapshot.state.status)) break;
      if (progress && progress !== seen) {
        seen = progress;
        yield report(snapshot);
      }
    }
    if (!cancelled()) yield report(snapshot);
  }
}
