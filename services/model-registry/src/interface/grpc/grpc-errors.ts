// The registry's side of the gRPC error mapping (docs/api/grpc.md, "Errors"): which status each stable code gets.
// The mechanism (trailing metadata, ErrorDetail, the filter) is the service kit's GrpcErrorFilter.
import { status } from '@grpc/grpc-js';
import type { GrpcErrorMapping } from '@neuroforge/service-kit';
import { ModelErrorCode } from '../../domain/model.errors';

/** Stable code → gRPC status. A code missing here is a bug the unit test catches. */
export const STATUS_OF_CODE: Readonly<Record<ModelErrorCode, status>> = {
  [ModelErrorCode.INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [ModelErrorCode.NOT_FOUND]: status.NOT_FOUND,
  [ModelErrorCode.ALREADY_EXISTS]: status.ALREADY_EXISTS,
  [ModelErrorCode.DELETED]: status.FAILED_PRECONDITION,
  [ModelErrorCode.VERSION_NOT_FOUND]: status.NOT_FOUND,
  [ModelErrorCode.ALIAS_NOT_FOUND]: status.NOT_FOUND,
  [ModelErrorCode.ALIAS_TAKEN]: status.ALREADY_EXISTS,
  [ModelErrorCode.ARTIFACT_NOT_FOUND]: status.FAILED_PRECONDITION,
  [ModelErrorCode.ARTIFACT_HASH_MISMATCH]: status.INVALID_ARGUMENT,
  [ModelErrorCode.ARTIFACT_CORRUPTED]: status.FAILED_PRECONDITION,
  [ModelErrorCode.CONCURRENT_CHANGE]: status.ABORTED,
};

/** Version conflicts are retried by the command handler and surface as MODELS.CONCURRENT_CHANGE, so none is mapped. */
export const MODELS_GRPC_ERRORS: GrpcErrorMapping = {
  statusByCode: STATUS_OF_CODE,
  internalCode: 'MODELS.INTERNAL',
  internalMessage: 'internal error; the trace id is in the model-registry log',
};
