// Commands of the TrainingJob aggregate. Ids, times and limits come in with the command, so `decide` stays pure.
import type { Command } from '@neuroforge/events';
import type { JobCompleted, JobQueued } from './job.events';
import type { ProgressRecord } from './job.types';

export type QueueJob = Command<'queue_job', JobQueued['data']>;
export type ClaimJob = Command<'claim_job', { workerId: string; resumedFromStep: number }>;
export type RecordProgress = Command<'record_progress', { workerId: string; progress: ProgressRecord }>;
export type RecordEvaluation = Command<
  'record_evaluation',
  { workerId: string; step: number; evalLoss: number; evalSequences: number }
>;
export type CompleteJob = Command<'complete_job', { workerId: string; result: Omit<JobCompleted['data'], 'jobId'> }>;
/** `workerId` '' for failures decided outside a worker. */
export type FailJob = Command<'fail_job', { workerId: string; errorCode: string; errorMessage: string; step: number }>;
/**
 * The holder `workerId` is gone (`lost`: its lease expired) or handed the job back (`lost` false: e.g. the
 * service is shutting down). A lost job that already used `maxRetries` retries fails with TRAINING.WORKER_LOST.
 */
export type ReleaseJob = Command<
  'release_job',
  { workerId: string; reason: string; lost: boolean; maxRetries: number; step: number }
>;
export type RequestStop = Command<'request_stop', { reason: string; stoppedByUserId: string }>;
/** The holder's worker stopped (after a stop request) and kept its checkpoint. */
export type ConfirmStop = Command<'confirm_stop', { workerId: string; step: number }>;
export type RecordRegistration = Command<'record_registration', { modelName: string; version: number; alias: string }>;
export type RecordRegistrationFailure = Command<'record_registration_failure', { errorMessage: string }>;

export type JobCommand =
  | QueueJob
  | ClaimJob
  | RecordProgress
  | RecordEvaluation
  | CompleteJob
  | FailJob
  | ReleaseJob
  | RequestStop
  | ConfirmStop
  | RecordRegistration
  | RecordRegistrationFailure;
