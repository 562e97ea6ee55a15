// The one place where failures become gRPC statuses (docs/api/grpc.md, "Errors"): status code, message, and the
// trailing metadata `neuroforge-error-code`, `neuroforge-error-detail-bin` (a serialised common.v1.ErrorDetail)
// plus what the error adds (`retry-after-ms` when overloaded). Anything unexpected is INTERNAL with a generic
// message; the real error goes to the log.
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { PROTO_ROOT } from '@neuroforge/contracts';
import { MediaInputError } from '@neuroforge/ml';
import { loadSync, type Type } from 'protobufjs';
import { GrpcStatus, InferenceError } from '../domain/inference-error';

let errorDetailType: Type | undefined;

function errorDetail(): Type {
  errorDetailType ??= loadSync(join(PROTO_ROOT, 'neuroforge/common/v1/common.proto')).lookupType(
    'neuroforge.common.v1.ErrorDetail',
  );
  return errorDetailType;
}

export function asInferenceError(error: unknown): InferenceError {
  if (error instanceof InferenceError) return error;
  // Bad media bytes found while the engine decodes them (at admission): the client's fault, named by chunk.
  if (error instanceof MediaInputError) return InferenceError.invalidMedia(error.field, error.reason);
  return new InferenceError(GrpcStatus.INTERNAL, 'INFERENCE.INTERNAL', 'internal error; see the server log');
}

export function toRpcException(error: unknown): RpcException {
  const e = asInferenceError(error);
  const metadata = new Metadata();
  metadata.set('neuroforge-error-code', e.code);
  const detail = errorDetail();
  metadata.set(
    'neuroforge-error-detail-bin',
    Buffer.from(
      detail
        .encode(
          detail.fromObject({
            code: e.code,
            message: e.message,
            fieldViolations: e.field ? [{ field: e.field, description: e.message }] : [],
            metadata: { ...e.metadata },
          }),
        )
        .finish(),
    ),
  );
  for (const [key, value] of Object.entries(e.metadata)) metadata.set(key, value);
  return new RpcException({ code: e.status, message: e.message, details: e.message, metadata });
}
