// StopJob: a queued job stops at once; a running one gets a stop request that its holder turns into SIGTERM to
// the worker (checkpoint kept, within one step). The call waits a bounded time for the job to end and returns it
// as it is then.
import { Inject, Injectable } from '@nestjs/common';
import { TERMINAL } from '../../domain/job.types';
import { JobRepository } from '../job.repository';
import { JobSignals } from '../job-signals';
import type { JobSnapshot } from '../job-snapshot';

export interface StopJobCommand {
  readonly jobId: string;
  readonly reason: string;
  readonly stoppedByUserId: string;
}

export const STOP_WAIT_MS = Symbol('STOP_WAIT_MS');

@Injectable()
export class StopJobHandler {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(JobSignals) private readonly signals: JobSignals,
    @Inject(STOP_WAIT_MS) private readonly waitMs: number,
  ) {}

  async execute(command: StopJobCommand): Promise<JobSnapshot> {
    await this.jobs.get(command.jobId);
    let { snapshot } = await this.jobs.execute(command.jobId, {
      type: 'request_stop',
      data: { reason: command.reason || 'stopped on request', stoppedByUserId: command.stoppedByUserId },
    });
    const deadline = Date.now() + this.waitMs;
    while (!TERMINAL.has(snapshot.state.status) && Date.now() < deadline) {
      await this.signals.nextChange(command.jobId, Math.min(500, Math.max(1, deadline - Date.now())));
      snapshot = await this.jobs.load(command.jobId);
    }
    return snapshot;
  }
}
