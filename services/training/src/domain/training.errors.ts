// The training service's stable error codes (`TRAINING.<REASON>`, never reworded). The gRPC status each maps to
// is decided in one place: interface/grpc/grpc-errors.ts. Failure codes recorded in JobFailed events are here too.
import { DomainError, type FieldViolation, InvalidFieldsError } from '@neuroforge/events';

export const TrainingErrorCode = {
  INVALID_ARGUMENT: 'TRAINING.INVALID_ARGUMENT',
  JOB_NOT_FOUND: 'TRAINING.JOB_NOT_FOUND',
  DATASET_NOT_FOUND: 'TRAINING.DATASET_NOT_FOUND',
  BASE_MODEL_NOT_FOUND: 'TRAINING.BASE_MODEL_NOT_FOUND',
  DATASET_HASH_MISMATCH: 'TRAINING.DATASET_HASH_MISMATCH',
  JOB_NOT_QUEUED: 'TRAINING.JOB_NOT_QUEUED',
  LEASE_LOST: 'TRAINING.LEASE_LOST',
  ALREADY_EXISTS: 'TRAINING.ALREADY_EXISTS',
  CONCURRENT_CHANGE: 'TRAINING.CONCURRENT_CHANGE',
  REGISTRY_UNAVAILABLE: 'TRAINING.REGISTRY_UNAVAILABLE',
} as const;
export type TrainingErrorCode = (typeof TrainingErrorCode)[keyof typeof TrainingErrorCode];

/** Why a job failed (JobFailed.error_code). */
export const JobFailureCode = {
  WORKER_LOST: 'TRAINING.WORKER_LOST',
  WORKER_FAILED: 'TRAINING.WORKER_FAILED',
  LOSS_NOT_FINITE: 'TRAINING.LOSS_NOT_FINITE',
} as const;

/** INVALID_ARGUMENT naming every bad field. */
export class InvalidArgumentError extends InvalidFieldsError {
  constructor(violations: FieldViolation[]) {
    super(TrainingErrorCode.INVALID_ARGUMENT, violations);
  }
}

/** Collects violations and throws them together. */
export class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, description: string): void {
    this.list.push({ field, description });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidArgumentError(this.list);
  }
}

export const trainingErrors = {
  jobNotFound: (jobId: string) =>
    new DomainError(TrainingErrorCode.JOB_NOT_FOUND, `training job ${jobId} does not exist`, { job_id: jobId }),
  datasetNotFound: (datasetId: string, field = 'dataset_id') =>
    new DomainError(
      TrainingErrorCode.DATASET_NOT_FOUND,
      `${field}: dataset ${datasetId} does not exist; register it with RegisterDataset first`,
      { field, dataset_id: datasetId },
    ),
  baseModelNotFound: (ref: string, why: string) =>
    new DomainError(
      TrainingErrorCode.BASE_MODEL_NOT_FOUND,
      `base_model: ${ref} is not a registered model version (${why}); give "name", "name@alias" or "name:version"`,
      { field: 'base_model', base_model: ref },
    ),
  notQueued: (jobId: string, status: string) =>
    new DomainError(TrainingErrorCode.JOB_NOT_QUEUED, `job ${jobId} is ${status}, not queued; it cannot be claimed`, {
      job_id: jobId,
    }),
  leaseLost: (jobId: string, workerId: string, holder: string) =>
    new DomainError(
      TrainingErrorCode.LEASE_LOST,
      `worker ${workerId} no longer holds job ${jobId} (holder: ${holder || 'none'})`,
      { job_id: jobId, worker_id: workerId },
    ),
};
