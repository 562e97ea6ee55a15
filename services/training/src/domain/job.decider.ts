// The TrainingJob aggregate: queued → running → completed | failed | stopped (running → queued again when its
// worker is lost and retries remain). State is the fold of the job's events; decide checks a command against it.
import { assertNever, type Decider, DomainError } from '@neuroforge/events';
import type { JobCommand } from './job.commands';
import type { JobCompleted, JobEvent, JobQueued } from './job.events';
import { type EvaluationRecord, type JobStatus, type ProgressRecord, TERMINAL } from './job.types';
import { JobFailureCode, TrainingErrorCode, trainingErrors } from './training.errors';

export interface JobState {
  readonly status: JobStatus;
  readonly job: JobQueued['data'] | null;
  /** Worker holding the lease while running; '' otherwise. */
  readonly workerId: string;
  /** Times the job went back to the queue after a lost worker. */
  readonly retries: number;
  readonly claims: number;
  readonly resumedFromStep: number;
  readonly progress: ProgressRecord | null;
  /** The latest held-out evaluation; null before the first. */
  readonly evaluation: EvaluationRecord | null;
  readonly stopRequest: { reason: string; stoppedByUserId: string } | null;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly registration: 'none' | 'pending' | 'registered' | 'failed';
  readonly registeredVersion: number;
  readonly registeredModel: string;
  /** What the worker produced (set on completion). */
  readonly result: JobCompleted['data'] | null;
}

const initial: JobState = {
  status: 'none',
  job: null,
  workerId: '',
  retries: 0,
  claims: 0,
  resumedFromStep: 0,
  progress: null,
  evaluation: null,
  stopRequest: null,
  errorCode: '',
  errorMessage: '',
  registration: 'none',
  registeredVersion: 0,
  registeredModel: '',
  result: null,
};

function lastStep(state: JobState): number {
  return state.progress?.step ?? state.resumedFromStep;
}

function jobIdOf(state: JobState): string {
  return state.job?.jobId ?? '';
}

/** The holder check shared by every worker-side command. */
function requireHolder(state: JobState, workerId: string): void {
  if (state.status === 'none') throw trainingErrors.jobNotFound('');
  if (state.status !== 'running' || state.workerId !== workerId) {
    throw trainingErrors.leaseLost(jobIdOf(state), workerId, state.workerId);
  }
}

function decide(command: JobCommand, state: JobState): JobEvent[] {
  const jobId = jobIdOf(state);
  switch (command.type) {
    case 'queue_job':
      if (state.status !== 'none') {
        throw new DomainError(TrainingErrorCode.ALREADY_EXISTS, `job ${command.data.jobId} already exists`, {
          job_id: command.data.jobId,
        });
      }
      return [{ type: 'job_queued', data: command.data }];
    case 'claim_job':
      if (state.status === 'none') throw trainingErrors.jobNotFound('');
      if (state.status !== 'queued') throw trainingErrors.notQueued(jobId, state.status);
      return [{ type: 'job_started', data: { jobId, ...command.data } }];
    case 'record_progress':
      requireHolder(state, command.data.workerId);
      return [{ type: 'job_progress', data: { progress: command.data.progress } }];
    case 'record_evaluation': {
      requireHolder(state, command.data.workerId);
      const { step, evalLoss, evalSequences } = command.data;
      // A worker that resumed from an earlier checkpoint evaluates those steps again, on the same weights
      // (resume is exact): the job keeps the first report of each step, so evaluations stay in step order.
      if (state.evaluation && step <= state.evaluation.step) return [];
      return [{ type: 'job_evaluated', data: { jobId, step, evalLoss, evalSequences } }];
    }
    case 'complete_job':
      requireHolder(state, command.data.workerId);
      return [{ type: 'job_completed', data: { jobId, ...command.data.result } }];
    case 'fail_job':
      if (TERMINAL.has(state.status)) return [];
      if (command.data.workerId !== '') requireHolder(state, command.data.workerId);
      return [
        {
          type: 'job_failed',
          data: {
            jobId,
            errorCode: command.data.errorCode,
            errorMessage: command.data.errorMessage,
            step: Math.max(command.data.step, lastStep(state)),
          },
        },
      ];
    case 'release_job': {
      requireHolder(state, command.data.workerId);
      const { workerId, reason, lost, maxRetries, step } = command.data;
      if (lost && state.retries >= maxRetries) {
        return [
          {
            type: 'job_failed',
            data: {
              jobId,
              errorCode: JobFailureCode.WORKER_LOST,
              errorMessage: `${reason}; gave up after ${state.retries + 1} attempts`,
              step: Math.max(step, lastStep(state)),
            },
          },
        ];
      }
      // A stop that was requested while the worker was lost ends the job instead of queueing it again.
      if (state.stopRequest) {
        return [
          {
            type: 'job_stopped',
            data: { jobId, ...state.stopRequest, step: Math.max(step, lastStep(state)) },
          },
        ];
      }
      return [
        { type: 'job_requeued', data: { jobId, workerId, reason, lost, retries: state.retries + (lost ? 1 : 0) } },
      ];
    }
    case 'request_stop':
      if (state.status === 'none') throw trainingErrors.jobNotFound('');
      if (TERMINAL.has(state.status)) return [];
      if (state.status === 'queued') {
        return [
          {
            type: 'job_stopped',
            data: {
              jobId,
              reason: command.data.reason,
              step: lastStep(state),
              stoppedByUserId: command.data.stoppedByUserId,
            },
          },
        ];
      }
      if (state.stopRequest) return [];
      return [{ type: 'job_stop_requested', data: { jobId, ...command.data } }];
    case 'confirm_stop': {
      requireHolder(state, command.data.workerId);
      const request = state.stopRequest ?? { reason: 'stopped by its worker', stoppedByUserId: '' };
      return [{ type: 'job_stopped', data: { jobId, ...request, step: Math.max(command.data.step, lastStep(state)) } }];
    }
    case 'record_registration':
      if (state.status !== 'completed' || state.registration !== 'pending') return [];
      return [{ type: 'job_result_registered', data: { jobId, ...command.data } }];
    case 'record_registration_failure':
      if (state.status !== 'completed' || state.registration !== 'pending') return [];
      return [{ type: 'job_registration_failed', data: { jobId, ...command.data } }];
    default:
      return assertNever(command);
  }
}

function evolve(state: JobState, event: JobEvent): JobState {
  switch (event.type) {
    case 'job_queued':
      return { ...initial, status: 'queued', job: event.data };
    case 'job_started':
      return {
        ...state,
        status: 'running',
        workerId: event.data.workerId,
        claims: state.claims + 1,
        resumedFromStep: event.data.resumedFromStep,
      };
    case 'job_progress':
      return { ...state, progress: event.data.progress };
    case 'job_evaluated':
      return {
        ...state,
        evaluation: { step: event.data.step, evalLoss: event.data.evalLoss, evalSequences: event.data.evalSequences },
      };
    case 'job_completed':
      return {
        ...state,
        status: 'completed',
        workerId: '',
        result: event.data,
        registration: event.data.registerAs === '' ? 'none' : 'pending',
      };
    case 'job_failed':
      return {
        ...state,
        status: 'failed',
        workerId: '',
        errorCode: event.data.errorCode,
        errorMessage: event.data.errorMessage,
      };
    case 'job_stopped':
      return { ...state, status: 'stopped', workerId: '' };
    case 'job_requeued':
      return { ...state, status: 'queued', workerId: '', retries: event.data.retries };
    case 'job_stop_requested':
      return { ...state, stopRequest: { reason: event.data.reason, stoppedByUserId: event.data.stoppedByUserId } };
    case 'job_result_registered':
      return {
        ...state,
        registration: 'registered',
        registeredVersion: event.data.version,
        registeredModel: event.data.modelName,
      };
    case 'job_registration_failed':
      return { ...state, registration: 'failed', errorMessage: event.data.errorMessage };
    default:
      return assertNever(event);
  }
}

export const jobDecider: Decider<JobCommand, JobEvent, JobState> = {
  initialState: () => initial,
  decide,
  evolve,
  // A long job appends a progress event every few seconds and an evaluation every eval_every steps: commands
  // start from a snapshot instead of folding the whole stream. Bump `version` when JobState or evolve changes.
  snapshot: { every: 50, version: 1 },
};
