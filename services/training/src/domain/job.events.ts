// The TrainingJob aggregate's events. The published ones carry exactly the payload messages of
// protos/neuroforge/training/v1/events.proto; the kit turns `type` into `neuroforge.training.<type>.v1`.
// Four more are the service's own bookkeeping (requeue after a lost worker, stop request, registration result):
// they travel on the same topic, and consumers that do not know them skip them by type.
import type { Event } from '@neuroforge/events';
import type { ArtifactRecord, ModelSettings, ProgressRecord, TrainingSettings } from './job.types';

export type JobQueued = Event<
  'job_queued',
  {
    jobId: string;
    name: string;
    datasetId: string;
    /** Pinned "name:version" for fine-tuning; '' from scratch. */
    baseModel: string;
    training: TrainingSettings;
    model: ModelSettings | null;
    registerAs: string;
    registerAlias: string;
    requestedByUserId: string;
  }
>;

/** A worker took the job's lease (appended with the expected version: exactly one claim wins). */
export type JobStarted = Event<'job_started', { jobId: string; workerId: string; resumedFromStep: number }>;

export type JobProgress = Event<'job_progress', { progress: ProgressRecord }>;

/** The worker's periodic held-out evaluation (every `eval_every_steps` optimiser steps). */
export type JobEvaluated = Event<
  'job_evaluated',
  { jobId: string; step: number; evalLoss: number; evalSequences: number }
>;

export type JobCompleted = Event<
  'job_completed',
  {
    jobId: string;
    steps: number;
    finalLoss: number;
    datasetSha256: string;
    architecture: string;
    artifacts: ArtifactRecord[];
    tokenizerId: string;
    configJson: string;
    registerAs: string;
    registerAlias: string;
    baseModel: string;
    trainingTimeSeconds: number;
  }
>;

export type JobFailed = Event<'job_failed', { jobId: string; errorCode: string; errorMessage: string; step: number }>;

export type JobStopped = Event<'job_stopped', { jobId: string; reason: string; step: number; stoppedByUserId: string }>;

/** The worker holding the job was lost (lease expired) or handed it back; the job waits for a worker again. */
export type JobRequeued = Event<
  'job_requeued',
  { jobId: string; workerId: string; reason: string; lost: boolean; retries: number }
>;

/** StopJob on a running job: its holder stops the worker at the next step. */
export type JobStopRequested = Event<'job_stop_requested', { jobId: string; reason: string; stoppedByUserId: string }>;

export type JobResultRegistered = Event<
  'job_result_registered',
  { jobId: string; modelName: string; version: number; alias: string }
>;

export type JobRegistrationFailed = Event<'job_registration_failed', { jobId: string; errorMessage: string }>;

export type JobEvent =
  | JobQueued
  | JobStarted
  | JobProgress
  | JobEvaluated
  | JobCompleted
  | JobFailed
  | JobStopped
  | JobRequeued
  | JobStopRequested
  | JobResultRegistered
  | JobRegistrationFailed;

/** The bounded context: events are published as `neuroforge.training.<type>.v1`. */
export const TRAINING_CONTEXT = 'training';
