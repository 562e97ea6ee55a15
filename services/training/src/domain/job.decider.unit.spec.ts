import { DeciderSpecification, decodeSnapshotState, encodeSnapshotState, foldEvents } from '@neuroforge/events';
import { describe, expect, it } from 'vitest';
import type { JobCommand } from './job.commands';
import { jobDecider } from './job.decider';
import type { JobCompleted, JobEvent, JobQueued } from './job.events';
import type { ProgressRecord } from './job.types';
import { JobFailureCode, TrainingErrorCode } from './training.errors';

const spec = DeciderSpecification.for(jobDecider);
const jobId = 'j-1';

const queued: JobQueued = {
  type: 'job_queued',
  data: {
    jobId,
    name: 'tiny',
    datasetId: 'd-1',
    baseModel: '',
    training: {
      batchSize: 2,
      learningRate: 0.01,
      weightDecay: 0,
      warmupSteps: 1,
      maxSteps: 10,
      gradientAccumulationSteps: 1,
      maxGradNorm: 1,
      useLora: false,
      loraRank: 8,
      loraAlpha: 16,
      useFp16: false,
      loraDropout: 0,
      checkpointEverySteps: 2,
      evalEverySteps: 100,
    },
    model: null,
    registerAs: 'tiny-model',
    registerAlias: 'latest',
    requestedByUserId: 'u-1',
  },
};
const started = (workerId: string, resumedFromStep = 0): JobEvent => ({
  type: 'job_started',
  data: { jobId, workerId, resumedFromStep },
});
const progress = (step: number): ProgressRecord => ({
  jobId,
  state: 'JOB_STATE_RUNNING',
  step,
  maxSteps: 10,
  loss: 2,
  learningRate: 0.01,
  tokensPerSecond: 100,
  etaSeconds: 1,
  reportedAt: '2026-01-01T00:00:00.000Z',
});
const result: Omit<JobCompleted['data'], 'jobId'> = {
  steps: 10,
  finalLoss: 1.5,
  datasetSha256: 'ab'.repeat(32),
  architecture: 'ARCHITECTURE_RETNET',
  artifacts: [],
  tokenizerId: 'byte',
  configJson: '{}',
  registerAs: 'tiny-model',
  registerAlias: 'latest',
  baseModel: '',
  trainingTimeSeconds: 3,
};
const release = (workerId: string, lost = true, maxRetries = 2): JobCommand => ({
  type: 'release_job',
  data: { workerId, reason: 'lease expired', lost, maxRetries, step: 4 },
});

describe('TrainingJob decider', () => {
  it('queues a new job and refuses a second queue of the same id', () => {
    spec.given([]).when({ type: 'queue_job', data: queued.data }).then([queued]);
    spec.given([queued]).when({ type: 'queue_job', data: queued.data }).thenThrows(TrainingErrorCode.ALREADY_EXISTS);
  });

  it('lets exactly one claim start a queued job', () => {
    spec
      .given([queued])
      .when({ type: 'claim_job', data: { workerId: 'w0', resumedFromStep: 0 } })
      .then([started('w0')]);
    spec
      .given([queued, started('w0')])
      .when({ type: 'claim_job', data: { workerId: 'w1', resumedFromStep: 0 } })
      .thenThrows(TrainingErrorCode.JOB_NOT_QUEUED);
  });

  it('accepts progress and completion only from the worker holding the job', () => {
    spec
      .given([queued, started('w0')])
      .when({ type: 'record_progress', data: { workerId: 'w0', progress: progress(3) } })
      .then([{ type: 'job_progress', data: { progress: progress(3) } }]);
    spec
      .given([queued, started('w0')])
      .when({ type: 'record_progress', data: { workerId: 'w1', progress: progress(3) } })
      .thenThrows(TrainingErrorCode.LEASE_LOST);
    spec
      .given([queued, started('w0')])
      .when({ type: 'complete_job', data: { workerId: 'w0', result } })
      .then([{ type: 'job_completed', data: { jobId, ...result } }]);
  });

  it('records held-out evaluations from the holder, once per step and in step order', () => {
    const evaluation = (step: number, evalLoss: number) => ({ workerId: 'w0', step, evalLoss, evalSequences: 16 });
    const evaluated = (step: number, evalLoss: number): JobEvent => ({
      type: 'job_evaluated',
      data: { jobId, step, evalLoss, evalSequences: 16 },
    });
    spec
      .given([queued, started('w0')])
      .when({ type: 'record_evaluation', data: evaluation(4, 2.5) })
      .then([evaluated(4, 2.5)]);
    spec
      .given([queued, started('w0')])
      .when({ type: 'record_evaluation', data: { ...evaluation(4, 2.5), workerId: 'w1' } })
      .thenThrows(TrainingErrorCode.LEASE_LOST);
    // A resumed worker evaluates steps again: the first report of a step stays the job's.
    spec
      .given([queued, started('w0'), evaluated(4, 2.5), evaluated(8, 2.1)])
      .when({ type: 'record_evaluation', data: evaluation(8, 2.1) })
      .then([]);
    spec
      .given([queued, started('w0'), evaluated(4, 2.5)])
      .when({ type: 'record_evaluation', data: evaluation(8, 2.1) })
      .then([evaluated(8, 2.1)]);
  });

  it('keeps the latest evaluation in the job state, next to its progress', () => {
    const events: JobEvent[] = [
      queued,
      started('w0'),
      { type: 'job_progress', data: { progress: progress(4) } },
      { type: 'job_evaluated', data: { jobId, step: 4, evalLoss: 2.5, evalSequences: 16 } },
      { type: 'job_progress', data: { progress: progress(5) } },
    ];
    const state = events.reduce(jobDecider.evolve, jobDecider.initialState());
    expect(state.evaluation).toEqual({ step: 4, evalLoss: 2.5, evalSequences: 16 });
    expect(state.progress?.step).toBe(5);
    expect(jobDecider.initialState().evaluation).toBeNull();
  });

  it('requeues a lost job with a retry counted, and fails it once retries are used up', () => {
    spec
      .given([queued, started('w0')])
      .when(release('w0'))
      .then([
        { type: 'job_requeued', data: { jobId, workerId: 'w0', reason: 'lease expired', lost: true, retries: 1 } },
      ]);
    const requeued = (retries: number): JobEvent => ({
      type: 'job_requeued',
      data: { jobId, workerId: 'w', reason: 'x', lost: true, retries },
    });
    spec
      .given([queued, started('w0'), requeued(1), started('w1', 4), requeued(2), started('w2', 4)])
      .when(release('w2'))
      .then([
        {
          type: 'job_failed',
          data: {
            jobId,
            errorCode: JobFailureCode.WORKER_LOST,
            errorMessage: 'lease expired; gave up after 3 attempts',
            step: 4,
          },
        },
      ]);
  });

  it('does not count a job handed back on shutdown as a retry', () => {
    spec
      .given([queued, started('w0')])
      .when(release('w0', false, 0))
      .then([
        { type: 'job_requeued', data: { jobId, workerId: 'w0', reason: 'lease expired', lost: false, retries: 0 } },
      ]);
  });

  it('stops a queued job at once and a running one through a stop request its worker confirms', () => {
    const stop: JobCommand = { type: 'request_stop', data: { reason: 'enough', stoppedByUserId: 'u-2' } };
    spec
      .given([queued])
      .when(stop)
      .then([{ type: 'job_stopped', data: { jobId, reason: 'enough', step: 0, stoppedByUserId: 'u-2' } }]);
    const requested: JobEvent = {
      type: 'job_stop_requested',
      data: { jobId, reason: 'enough', stoppedByUserId: 'u-2' },
    };
    spec
      .given([queued, started('w0')])
      .when(stop)
      .then([requested]);
    spec
      .given([queued, started('w0'), requested])
      .when(stop)
      .then([]);
    spec
      .given([queued, started('w0'), requested])
      .when({ type: 'confirm_stop', data: { workerId: 'w0', step: 6 } })
      .then([{ type: 'job_stopped', data: { jobId, reason: 'enough', step: 6, stoppedByUserId: 'u-2' } }]);
  });

  it('ignores a stop of an ended job', () => {
    const failed: JobEvent = { type: 'job_failed', data: { jobId, errorCode: 'X', errorMessage: 'y', step: 1 } };
    spec
      .given([queued, started('w0'), failed])
      .when({ type: 'request_stop', data: { reason: '', stoppedByUserId: '' } })
      .then([]);
  });

  it('records the registration of a completed job once', () => {
    const completed: JobEvent = { type: 'job_completed', data: { jobId, ...result } };
    const registered: JobEvent = {
      type: 'job_result_registered',
      data: { jobId, modelName: 'tiny-model', version: 3, alias: 'latest' },
    };
    const register: JobCommand = {
      type: 'record_registration',
      data: { modelName: 'tiny-model', version: 3, alias: 'latest' },
    };
    spec
      .given([queued, started('w0'), completed])
      .when(register)
      .then([registered]);
    spec
      .given([queued, started('w0'), completed, registered])
      .when(register)
      .then([]);
    let state = jobDecider.initialState();
    for (const e of [queued, started('w0'), completed, registered]) state = jobDecider.evolve(state, e);
    expect(state).toMatchObject({ status: 'completed', registration: 'registered', registeredVersion: 3 });
  });

  it('has a state that survives a snapshot unchanged (plain JSON), while running and once registered', () => {
    const evaluated: JobEvent = { type: 'job_evaluated', data: { jobId, step: 4, evalLoss: 2.5, evalSequences: 16 } };
    const running = foldEvents(jobDecider, [
      queued,
      started('w0'),
      { type: 'job_progress', data: { progress: progress(4) } },
      evaluated,
    ]);
    expect(running.evaluation).not.toBeNull();
    expect(decodeSnapshotState(encodeSnapshotState(running))).toEqual(running);
    const done = foldEvents(jobDecider, [queued, started('w0'), { type: 'job_completed', data: { jobId, ...result } }]);
    expect(decodeSnapshotState(encodeSnapshotState(done))).toEqual(done);
    expect(jobDecider.snapshot?.every).toBeGreaterThan(0);
  });
});
