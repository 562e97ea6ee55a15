// The inference service's side of the gRPC error mapping (docs/api/grpc.md, "Errors"): which status each
// INFERENCE.* code gets, bad media found by the engine as the client's fault, and an error's extra trailing
// metadata (`retry-after-ms` when overloaded). The mechanism (the code and ErrorDetail in the trailing metadata,
// INTERNAL for anything unexpected, logging) is the service kit's GrpcErrorFilter.
import { status } from '@grpc/grpc-js';
import { MediaInputError } from '@neuroforge/ml';
import type { GrpcErrorMapping } from '@neuroforge/service-kit';
import { InferenceError, type InferenceErrorCode } from '../domain/inference-error';

/** Stable code → gRPC status. A code missing here is a type error. */
export const STATUS_OF: Readonly<Record<InferenceErrorCode, status>> = {
  'INFERENCE.INVALID_ARGUMENT': status.INVALID_ARGUMENT,
  'INFERENCE.INVALID_MEDIA': status.INVALID_ARGUMENT,
  'INFERENCE.OVERLOADED': status.RESOURCE_EXHAUSTED,
  'INFERENCE.MODEL_NOT_FOUND': status.NOT_FOUND,
  'INFERENCE.MODEL_UNAVAILABLE': status.UNAVAILABLE,
  'INFERENCE.DEADLINE_EXCEEDED': status.DEADLINE_EXCEEDED,
  'INFERENCE.CANCELLED': status.CANCELLED,
  'INFERENCE.INTERNAL': status.INTERNAL,
};

export const INFERENCE_GRPC_ERRORS: GrpcErrorMapping = {
  statusByCode: STATUS_OF,
  internalCode: 'INFERENCE.INTERNAL',
  internalMessage: 'internal error; see the server log',
  // Bad media bytes found while the engine decodes them (at admission): the client's fault, named by chunk.
  translate: (error) =>
    error instanceof MediaInputError ? InferenceError.invalidMedia(error.field, error.reason) : undefined,
  trailingMetadata: (error) => (error instanceof InferenceError ? error.metadata : {}),
};
