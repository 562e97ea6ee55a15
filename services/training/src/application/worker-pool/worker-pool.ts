// The worker pool: `training.workers` slots, each running at most one job in a worker process.
// - Claim: the oldest queued job whose lease this slot can take (findOneAndUpdate: one holder) and whose
//   `job_started` append wins (expected version: one claim per queued version) — exactly one slot gets it.
// - Reap: a running job whose lease expired lost its holder (worker killed, service crashed): it goes back to the
//   queue with a retry counted, or fails with TRAINING.WORKER_LOST when retries are used up, so no job stays
//   running for ever. The next claim resumes it from its last checkpoint.
// - Register: completed jobs with `register_as` whose registration is pending (e.g. the service restarted in
//   between) are registered.
import { Inject, Injectable } from '@nestjs/common';
import { type Logger, SERVICE_LOGGER } from '@neuroforge/service-kit';
import { DatasetRepository } from '../dataset.repository';
import { JobRepository } from '../job.repository';
import { JobSignals } from '../job-signals';
import type { JobSnapshot } from '../job-snapshot';
import { DATASET_STORAGE, type DatasetStorage } from '../ports/dataset-storage.port';
import { JOB_LEASES, type JobLeases } from '../ports/job-leases.port';
import { JOB_WORKSPACE, type JobWorkspace } from '../ports/job-workspace.port';
import { JOBS_VIEW, type JobsView } from '../ports/jobs-view.port';
import { MODEL_REGISTRY, type ModelRegistry } from '../ports/model-registry.port';
import { WORKER_LAUNCHER, type WorkerLauncher } from '../ports/worker-launcher.port';
import { RegisterResultHandler } from '../register-result/register-result.handler';
import { JobRun, type RunOutcome } from './job-run';
import { workerJobSpec } from './job-spec';
import { POOL_SETTINGS, type PoolSettings } from './pool-settings';

@Injectable()
export class WorkerPool {
  private readonly slots: (JobRun | undefined)[];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private readonly runs = new Set<Promise<RunOutcome>>();
  private readonly registering = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private lastReap = 0;

  constructor(
    @Inject(POOL_SETTINGS) private readonly settings: PoolSettings,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(JOBS_VIEW) private readonly view: JobsView,
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
    @Inject(DATASET_STORAGE) private readonly storage: DatasetStorage,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    @Inject(JOB_LEASES) private readonly leases: JobLeases,
    @Inject(JOB_WORKSPACE) private readonly workspace: JobWorkspace,
    @Inject(WORKER_LAUNCHER) private readonly launcher: WorkerLauncher,
    @Inject(JobSignals) private readonly signals: JobSignals,
    @Inject(RegisterResultHandler) private readonly registerResult: RegisterResultHandler,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.slots = Array.from({ length: settings.workers }, () => undefined);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.signals.onQueued(() => this.wake());
    this.schedule(0);
  }

  /** Stops claiming, hands running jobs back (their workers checkpoint) and waits for them. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.ticking;
    for (const run of this.slots) run?.handBack();
    await Promise.allSettled([...this.runs]);
  }

  /** Tests: behave as if the service process died (workers killed, nothing written, leases left to expire). */
  async crash(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.ticking;
    for (const run of this.slots) run?.abandon();
    await Promise.allSettled([...this.runs]);
  }

  /** Jobs running here and their worker process ids. */
  active(): { jobId: string; workerId: string; pid: number | undefined }[] {
    return this.slots.flatMap((run) => (run ? [{ jobId: run.jobId, workerId: run.workerId, pid: run.pid }] : []));
  }

  private wake(): void {
    if (this.running) this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.ticking) return this.schedule(50);
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (this.running) this.schedule(this.settings.pollMs);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastReap >= Math.min(this.settings.heartbeatMs, 1000)) {
        this.lastReap = Date.now();
        await this.reap();
        await this.registerPending();
      }
      await this.claim();
    } catch (error) {
      this.logger.warn({ err: error }, 'worker pool round failed');
    }
  }

  // --- claiming ---------------------------------------------------------------------------------------------

  private async claim(): Promise<void> {
    const free = this.slots.map((run, i) => (run ? -1 : i)).filter((i) => i >= 0);
    if (free.length === 0 || !this.running) return;
    const queued = await this.view.oldest('queued', free.length * 4);
    for (const candidate of queued) {
      const slot = free[0];
      if (slot === undefined || !this.running) return;
      if (await this.tryClaim(slot, candidate)) free.shift();
    }
  }

  private async tryClaim(slot: number, candidate: JobSnapshot): Promise<boolean> {
    const workerId = `${this.settings.holderId}/w${slot}`;
    const lease = this.leases.lease(candidate.jobId, workerId);
    if (!(await lease.acquire())) return false;
    let snapshot: JobSnapshot;
    try {
      const resumedFromStep = await this.workspace.latestCheckpointStep(candidate.jobId);
      ({ snapshot } = await this.jobs.execute(candidate.jobId, {
        type: 'claim_job',
        data: { workerId, resumedFromStep },
      }));
    } catch {
      // Not queued any more, or another slot's claim won: not ours.
      await lease.release();
      return false;
    }
    const run = new JobRun(
      {
        jobs: this.jobs,
        leases: this.leases,
        workspace: this.workspace,
        signals: this.signals,
        settings: this.settings,
        logger: this.logger,
      },
      candidate.jobId,
      workerId,
      lease,
      snapshot.startedAt,
    );
    this.slots[slot] = run;
    const done = run
      .run((onEvent) => this.launch(snapshot, onEvent))
      .then((outcome) => {
        this.logger.info({ jobId: candidate.jobId, workerId, outcome }, 'training job run ended');
        if (outcome === 'completed') void this.register(candidate.jobId);
        return outcome;
      })
      .finally(() => {
        this.slots[slot] = undefined;
        this.runs.delete(done);
        this.wake();
      });
    this.runs.add(done);
    return true;
  }

  private async launch(snapshot: JobSnapshot, onEvent: Parameters<WorkerLauncher['launch']>[0]['onEvent']) {
    const job = snapshot.state.job;
    if (!job) throw new Error(`job ${snapshot.jobId} has no queued record`);
    const dataset = (await this.datasets.get(job.datasetId)).dataset;
    let initFrom: { path: string; maxSeqLen: number } | null = null;
    if (job.baseModel !== '') {
      const base = await this.registry.resolve(job.baseModel);
      const config = JSON.parse(base.configJson) as { max_seq_len?: number };
      initFrom = { path: await this.workspace.stageModel(job.jobId, base), maxSeqLen: config.max_seq_len ?? 128 };
    }
    const spec = workerJobSpec(
      job,
      { path: this.storage.pathOf(dataset.uri), format: dataset.format },
      this.settings,
      initFrom,
    );
    const prepared = await this.workspace.prepare(job.jobId, spec);
    return this.launcher.launch({ jobSpecPath: prepared.specPath, outDir: prepared.outDir, onEvent });
  }

  // --- reaping ----------------------------------------------------------------------------------------------

  private async reap(): Promise<void> {
    const mine = new Set(this.active().map((a) => a.jobId));
    for (const candidate of await this.view.oldest('running', 50)) {
      if (mine.has(candidate.jobId)) continue;
      const info = await this.leases.info(candidate.jobId);
      if (info && info.expiresAt.getTime() > Date.now()) continue;
      const reaper = this.leases.lease(candidate.jobId, `${this.settings.holderId}/reaper`);
      if (!(await reaper.acquire())) continue;
      try {
        const current = await this.jobs.load(candidate.jobId);
        if (current.state.status !== 'running') continue;
        const lost = current.state.workerId;
        const reason =
          info?.lostReason ||
          `lease of worker ${lost} expired: no heartbeat for ${this.settings.leaseMs} ms (worker or service gone)`;
        const { events } = await this.jobs.execute(candidate.jobId, {
          type: 'release_job',
          data: {
            workerId: lost,
            reason,
            lost: true,
            maxRetries: this.settings.maxRetries,
            step: await this.workspace.latestCheckpointStep(candidate.jobId),
          },
        });
        this.logger.warn(
          { jobId: candidate.jobId, lost, reason, outcome: events[0]?.type },
          'reaped a lost training job',
        );
        this.signals.queued();
      } catch (error) {
        this.logger.warn({ err: error, jobId: candidate.jobId }, 'reaping a lost job failed');
      } finally {
        await reaper.release();
      }
    }
  }

  // --- registration -----------------------------------------------------------------------------------------

  private async registerPending(): Promise<void> {
    for (const job of await this.view.pendingRegistrations(20)) void this.register(job.jobId);
  }

  private async register(jobId: string): Promise<void> {
    if (this.registering.has(jobId)) return;
    this.registering.add(jobId);
    const lease = this.leases.lease(`register-${jobId}`, this.settings.holderId);
    try {
      if (await lease.acquire()) await this.registerResult.execute(jobId);
    } catch (error) {
      this.logger.warn({ err: error, jobId }, 'registering a training result failed; will retry');
    } finally {
      await lease.release().catch(() => undefined);
      this.registering.delete(jobId);
    }
  }
}
