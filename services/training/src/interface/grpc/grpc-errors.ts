// The training service's side of the gRPC error mapping (docs/api/grpc.md, "Errors"): which status each stable
// code gets. The mechanism (trailing metadata, ErrorDetail with the offending fields, the filter) is the service
// kit's GrpcErrorFilter.
import { status } from '@grpc/grpc-js';
import type { GrpcErrorMapping } from '@neuroforge/service-kit';
import { TrainingErrorCode } from '../../domain/training.errors';

/** Stable code → gRPC status. A code missing here is a bug the unit test catches. */
export const STATUS_OF_CODE: Readonly<Record<TrainingErrorCode, status>> = {
  [TrainingErrorCode.INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [TrainingErrorCode.JOB_NOT_FOUND]: status.NOT_FOUND,
  [TrainingErrorCode.DATASET_NOT_FOUND]: status.NOT_FOUND,
  [TrainingErrorCode.BASE_MODEL_NOT_FOUND]: status.NOT_FOUND,
  [TrainingErrorCode.DATASET_HASH_MISMATCH]: status.INVALID_ARGUMENT,
  [TrainingErrorCode.JOB_NOT_QUEUED]: status.FAILED_PRECONDITION,
  [TrainingErrorCode.LEASE_LOST]: status.FAILED_PRECONDITION,
  [TrainingErrorCode.ALREADY_EXISTS]: status.ALREADY_EXISTS,
  [TrainingErrorCode.CONCURRENT_CHANGE]: status.ABORTED,
  [TrainingErrorCode.REGISTRY_UNAVAILABLE]: status.UNAVAILABLE,
};

export const TRAINING_GRPC_ERRORS: GrpcErrorMapping = {
  statusByCode: STATUS_OF_CODE,
  internalCode: 'TRAINING.INTERNAL',
  internalMessage: 'internal error; the trace id is in the training service log',
};
