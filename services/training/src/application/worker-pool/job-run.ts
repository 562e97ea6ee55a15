// One claimed job on one worker slot, from launch to its last event:
// 1. heartbeats renew the job's lease (a lost lease kills the worker: someone else owns the job now);
// 2. worker progress becomes job_progress events, at most one per interval, the last one always kept; each
//    held-out evaluation becomes a job_evaluated event (after its step's progress, never thinned out);
// 3. a stop request (StopJob) becomes SIGTERM to the worker, which checkpoints and exits 75;
// 4. the worker's last event decides the job's: completed, failed, stopped — or, when the worker died without
//    one, nothing: the lease is left to expire, and the reaper puts the job back in the queue (docs/training/service.md).

import { DomainError } from '@neuroforge/events';
import type { Logger } from '@neuroforge/service-kit';
import type { JobCommand } from '../../domain/job.commands';
import { JOB_STATE_OF, type ProgressRecord } from '../../domain/job.types';
import { JobFailureCode, TrainingErrorCode } from '../../domain/training.errors';
import type { JobRepository } from '../job.repository';
import type { JobSignals } from '../job-signals';
import type { JobSnapshot } from '../job-snapshot';
import type { JobLease, JobLeases } from '../ports/job-leases.port';
import type { JobWorkspace } from '../ports/job-workspace.port';
import type { WorkerEvent, WorkerExit, WorkerHandle } from '../ports/worker-launcher.port';
import type { PoolSettings } from './pool-settings';

export type RunOutcome = 'completed' | 'failed' | 'stopped' | 'released' | 'lost';

interface Deps {
  readonly jobs: JobRepository;
  readonly leases: JobLeases;
  readonly workspace: JobWorkspace;
  readonly signals: JobSignals;
  readonly settings: PoolSettings;
  readonly logger: Logger;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export class JobRun {
  private handle: WorkerHandle | undefined;
  private terminal: WorkerEvent | undefined;
  private latest: ProgressRecord | undefined;
  private appended: ProgressRecord | undefined;
  private lastAppendAt = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private lostLease = false;
  private stopSent = false;
  /** Set when the service hands the job back (shutdown) rather than a user stopping it. */
  private handingBack = false;
  private abandoned = false;
  private finishing = false;

  constructor(
    private readonly deps: Deps,
    readonly jobId: string,
    readonly workerId: string,
    private readonly lease: JobLease,
    private readonly startedAt: string,
  ) {}

  get pid(): number | undefined {
    return this.handle?.pid;
  }

  /** Runs the job to its end; never throws. */
  async run(launch: (onEvent: (e: WorkerEvent) => void) => Promise<WorkerHandle>): Promise<RunOutcome> {
    const { settings, signals, logger } = this.deps;
    const heartbeat = setInterval(() => void this.heartbeat(), settings.heartbeatMs);
    const unsubscribe = signals.onChange(this.jobId, () => void this.checkStopRequest());
    try {
      this.handle = await launch((event) => this.onEvent(event));
      await this.checkStopRequest();
      const exit = await this.handle.exited;
      this.finishing = true;
      clearInterval(heartbeat);
      await this.chain;
      if (this.abandoned) return 'lost';
      return await this.finish(exit);
    } catch (error) {
      logger.error({ err: error, jobId: this.jobId }, 'training job run failed');
      this.handle?.kill();
      await this.deps.leases.markLost(this.jobId, this.workerId, `worker slot error: ${String(error)}`);
      return 'lost';
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  }

  /** Service shutdown: stop the worker (it checkpoints) and give the job back to the queue. */
  handBack(): void {
    this.handingBack = true;
    this.sendStop();
  }

  /** Simulated crash (tests): the worker dies and nothing more is written; the lease runs out. */
  abandon(): void {
    this.abandoned = true;
    this.handle?.kill();
  }

  /** Kills the worker process only (as `kill -9` from outside would). */
  killWorker(): void {
    this.handle?.kill();
  }

  private sendStop(): void {
    if (this.stopSent) return;
    this.stopSent = true;
    this.handle?.stop();
  }

  private async heartbeat(): Promise<void> {
    if (this.abandoned || this.lostLease) return;
    try {
      if (!(await this.lease.acquire())) this.onLeaseLost('heartbeat found the lease taken');
    } catch (error) {
      this.deps.logger.warn({ err: error, jobId: this.jobId }, 'lease heartbeat failed');
    }
  }

  private onLeaseLost(why: string): void {
    if (this.lostLease) return;
    this.lostLease = true;
    this.deps.logger.warn(
      { jobId: this.jobId, workerId: this.workerId, why },
      'lost the job lease; killing the worker',
    );
    this.abandoned = true;
    this.handle?.kill();
  }

  private async checkStopRequest(): Promise<void> {
    // Once the worker has exited, the job's own last appends are ours: nothing to check against.
    if (this.stopSent || this.abandoned || this.finishing) return;
    try {
      const snapshot = await this.deps.jobs.load(this.jobId);
      if (snapshot.state.stopRequest) this.sendStop();
      else if (snapshot.state.status !== 'running' || snapshot.state.workerId !== this.workerId) {
        this.onLeaseLost(`job is ${snapshot.state.status} under ${snapshot.state.workerId || 'no worker'}`);
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, jobId: this.jobId }, 'checking for a stop request failed');
    }
  }

  private onEvent(event: WorkerEvent): void {
    switch (event.event) {
      case 'progress': {
        this.latest = {
          jobId: this.jobId,
          state: JOB_STATE_OF.running,
          step: num(event.step),
          maxSteps: num(event.max_steps),
          loss: num(event.loss),
          learningRate: num(event.lr),
          tokensPerSecond: num(event.tokens_per_second),
          etaSeconds: num(event.eta_seconds),
          reportedAt: new Date().toISOString(),
        };
        if (Date.now() - this.lastAppendAt >= this.deps.settings.progressIntervalMs) this.flushProgress();
        return;
      }
      case 'evaluated': {
        if (typeof event.eval_loss !== 'number' || !Number.isFinite(event.eval_loss)) return;
        // The step's progress goes first, so a reader never sees an evaluation ahead of the training step.
        this.flushProgress();
        const data = {
          workerId: this.workerId,
          step: num(event.step),
          evalLoss: event.eval_loss,
          evalSequences: num(event.eval_blocks),
        };
        this.chain = this.chain.then(() => this.append({ type: 'record_evaluation', data }));
        return;
      }
      case 'completed':
      case 'failed':
      case 'stopped':
        this.terminal = event;
        return;
      default:
        return;
    }
  }

  /** Appends the latest progress unless it already was; appends are chained, never concurrent. */
  private flushProgress(): void {
    const progress = this.latest;
    if (!progress || progress === this.appended) return;
    this.appended = progress;
    this.lastAppendAt = Date.now();
    this.chain = this.chain.then(() =>
      this.append({ type: 'record_progress', data: { workerId: this.workerId, progress } }),
    );
  }

  private async append(command: JobCommand): Promise<JobSnapshot | undefined> {
    if (this.abandoned) return undefined;
    try {
      return (await this.deps.jobs.execute(this.jobId, command)).snapshot;
    } catch (error) {
      if (error instanceof DomainError && error.code === TrainingErrorCode.LEASE_LOST) {
        this.onLeaseLost(error.message);
        return undefined;
      }
      this.deps.logger.warn({ err: error, jobId: this.jobId, command: command.type }, 'job append failed');
      return undefined;
    }
  }

  private async finish(exit: WorkerExit): Promise<RunOutcome> {
    const { leases, workspace, logger } = this.deps;
    this.flushProgress();
    await this.chain;
    const terminal = this.terminal;
    const step = num(terminal?.step) || (this.latest?.step ?? 0);

    if (terminal?.event === 'completed') {
      const model = await workspace.exportedModel(String(terminal.output_dir));
      const trainingTimeSeconds = Math.max(0, (Date.now() - Date.parse(this.startedAt)) / 1000);
      const snapshot = await this.deps.jobs.load(this.jobId);
      const job = snapshot.state.job;
      await this.append({
        type: 'complete_job',
        data: {
          workerId: this.workerId,
          result: {
            steps: step,
            finalLoss: num(terminal.final_loss),
            datasetSha256: String(terminal.dataset_sha256 ?? ''),
            architecture: 'ARCHITECTURE_RETNET',
            artifacts: model.artifacts,
            tokenizerId: model.tokenizerId,
            configJson: model.configJson,
            registerAs: job?.registerAs ?? '',
            registerAlias: job?.registerAlias ?? '',
            baseModel: job?.baseModel ?? '',
            trainingTimeSeconds: Number.isFinite(trainingTimeSeconds) ? trainingTimeSeconds : 0,
          },
        },
      });
      await this.lease.release();
      return 'completed';
    }
    if (terminal?.event === 'failed') {
      const message = String(terminal.error ?? 'worker failed');
      const code = /finite|nan/i.test(message) ? JobFailureCode.LOSS_NOT_FINITE : JobFailureCode.WORKER_FAILED;
      await this.append({
        type: 'fail_job',
        data: { workerId: this.workerId, errorCode: code, errorMessage: message, step },
      });
      await this.lease.release();
      return 'failed';
    }
    if (terminal?.event === 'stopped') {
      if (this.handingBack) {
        await this.append({
          type: 'release_job',
          data: { workerId: this.workerId, reason: 'the training service shut down', lost: false, maxRetries: 0, step },
        });
        await this.lease.release();
        return 'released';
      }
      await this.append({ type: 'confirm_stop', data: { workerId: this.workerId, step } });
      await this.lease.release();
      return 'stopped';
    }
    // 4. No last word from the worker: it crashed or was killed. Leave the lease to expire (another holder
    //    cannot tell a dead slot from a dead service) and say why for the reaper's report.
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const reason = `worker ${this.workerId} died (${how}) at step ${step}${exit.stderrTail ? `: ${exit.stderrTail}` : ''}`;
    logger.warn({ jobId: this.jobId, reason }, 'training worker died; its lease will expire and the job be retried');
    await leases.markLost(this.jobId, this.workerId, reason);
    return 'lost';
  }
}
