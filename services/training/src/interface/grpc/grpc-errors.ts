// The one place where failures become gRPC statuses. Every failed RPC carries the stable code in the trailing
// metadata `neuroforge-error-code` and a serialised neuroforge.common.v1.ErrorDetail (with the offending fields)
// in `neuroforge-error-detail-bin` (docs/api/grpc.md, "Errors").
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { type ArgumentsHost, Catch, Inject, type RpcExceptionFilter } from '@nestjs/common';
import { PROTO_ROOT } from '@neuroforge/contracts';
import { DomainError } from '@neuroforge/events';
import { type Logger, SERVICE_LOGGER } from '@neuroforge/service-kit';
import * as protobuf from 'protobufjs';
import { type Observable, throwError } from 'rxjs';
import { InvalidArgumentError, TrainingErrorCode } from '../../domain/training.errors';

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

export const INTERNAL_CODE = 'TRAINING.INTERNAL';
export const ERROR_CODE_KEY = 'neuroforge-error-code';
export const ERROR_DETAIL_KEY = 'neuroforge-error-detail-bin';

export interface GrpcError {
  code: status;
  message: string;
  details: string;
  metadata: Metadata;
}

let errorDetailType: protobuf.Type | undefined;
function errorDetail(): protobuf.Type {
  if (!errorDetailType) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
    root.loadSync('neuroforge/common/v1/common.proto', { keepCase: false });
    errorDetailType = root.lookupType('neuroforge.common.v1.ErrorDetail');
  }
  return errorDetailType;
}

/** Any thrown value → the status, message and metadata the client receives. */
export function toGrpcError(error: unknown): GrpcError {
  let code: status = status.INTERNAL;
  let stableCode = INTERNAL_CODE;
  let message = 'internal error; the trace id is in the training service log';
  let fieldViolations: { field: string; description: string }[] = [];
  let details: Record<string, string> = {};
  if (error instanceof DomainError && error.code in STATUS_OF_CODE) {
    code = STATUS_OF_CODE[error.code as TrainingErrorCode];
    stableCode = error.code;
    message = error.message;
    details = Object.fromEntries(Object.entries(error.details).map(([k, v]) => [k, String(v)]));
    if (error instanceof InvalidArgumentError) fieldViolations = error.violations;
    else if (details.field) fieldViolations = [{ field: details.field, description: message }];
  }
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, stableCode);
  const type = errorDetail();
  const detail = type.fromObject({ code: stableCode, message, fieldViolations, metadata: details });
  metadata.set(ERROR_DETAIL_KEY, Buffer.from(type.encode(detail).finish()));
  return { code, message, details: message, metadata };
}

/** Reads an ErrorDetail back (clients and tests). */
export function decodeErrorDetail(bytes: Buffer): {
  code: string;
  message: string;
  fieldViolations: { field: string; description: string }[];
  metadata: Record<string, string>;
} {
  const type = errorDetail();
  return type.toObject(type.decode(bytes), { defaults: true, arrays: true, objects: true }) as never;
}

@Catch()
export class GrpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    const grpcError = toGrpcError(exception);
    if (grpcError.code === status.INTERNAL) this.logger.error({ err: exception }, 'training RPC failed');
    return throwError(() => grpcError);
  }
}
