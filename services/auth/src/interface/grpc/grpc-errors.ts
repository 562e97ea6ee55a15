// The one place where auth errors become gRPC statuses: a stable code in trailing metadata
// (`neuroforge-error-code`) plus a serialised neuroforge.common.v1.ErrorDetail (`neuroforge-error-detail-bin`).
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { Catch, Inject, Injectable, type RpcExceptionFilter } from '@nestjs/common';
import { PROTO_ROOT } from '@neuroforge/contracts';
import { DomainError, VersionConflictError } from '@neuroforge/events';
import { type Logger, SERVICE_LOGGER } from '@neuroforge/service-kit';
import protobuf from 'protobufjs';
import { type Observable, throwError } from 'rxjs';
import { AuthErrorCode } from '../../domain/auth-errors';

/** gRPC status of each stable code; a code missing here is a bug (compile error). */
export const STATUS_OF: Readonly<Record<AuthErrorCode, status>> = {
  'AUTH.INVALID_ARGUMENT': status.INVALID_ARGUMENT,
  'AUTH.SCOPE_NOT_ALLOWED': status.INVALID_ARGUMENT,
  'AUTH.INVALID_CREDENTIALS': status.UNAUTHENTICATED,
  'AUTH.UNAUTHENTICATED': status.UNAUTHENTICATED,
  'AUTH.TOKEN_INVALID': status.UNAUTHENTICATED,
  'AUTH.TOKEN_EXPIRED': status.UNAUTHENTICATED,
  'AUTH.TOKEN_REVOKED': status.UNAUTHENTICATED,
  'AUTH.TOKEN_REUSED': status.UNAUTHENTICATED,
  'AUTH.KEY_INVALID': status.UNAUTHENTICATED,
  'AUTH.KEY_REVOKED': status.UNAUTHENTICATED,
  'AUTH.KEY_EXPIRED': status.UNAUTHENTICATED,
  'AUTH.PERMISSION_DENIED': status.PERMISSION_DENIED,
  'AUTH.USER_NOT_FOUND': status.NOT_FOUND,
  'AUTH.KEY_NOT_FOUND': status.NOT_FOUND,
  'AUTH.EMAIL_TAKEN': status.ALREADY_EXISTS,
  'AUTH.USER_EXISTS': status.ALREADY_EXISTS,
  'AUTH.CONFLICT': status.ABORTED,
  'AUTH.UNAVAILABLE': status.UNAVAILABLE,
  'AUTH.INTERNAL': status.INTERNAL,
};

export const ERROR_CODE_KEY = 'neuroforge-error-code';
export const ERROR_DETAIL_KEY = 'neuroforge-error-detail-bin';

export interface FieldViolation {
  field: string;
  description: string;
}

let errorDetailType: protobuf.Type | undefined;
function encodeDetail(code: string, message: string, fieldViolations: FieldViolation[]): Buffer {
  errorDetailType ??= protobuf
    .loadSync(join(PROTO_ROOT, 'neuroforge/common/v1/common.proto'))
    .lookupType('neuroforge.common.v1.ErrorDetail');
  return Buffer.from(errorDetailType.encode({ code, message, fieldViolations, metadata: {} }).finish());
}

/** What grpc-js sends for a failed call: status, message and trailing metadata. */
export interface GrpcError {
  code: status;
  message: string;
  details: string;
  metadata: Metadata;
}

function isAuthCode(code: string): code is AuthErrorCode {
  return Object.hasOwn(STATUS_OF, code);
}

/** Maps any error to a gRPC error; unexpected ones become AUTH.INTERNAL with a generic message (and are logged). */
export function toGrpcError(error: unknown, logger?: Logger): GrpcError {
  let code: AuthErrorCode;
  let message: string;
  let violations: FieldViolation[] = [];
  if (error instanceof DomainError && isAuthCode(error.code)) {
    code = error.code;
    message = error.message;
    const fv = (error.details as { fieldViolations?: FieldViolation[] }).fieldViolations;
    if (Array.isArray(fv)) violations = fv;
  } else if (error instanceof VersionConflictError) {
    code = AuthErrorCode.Conflict;
    message = 'a concurrent change won; retry';
  } else if (isUnavailable(error)) {
    code = AuthErrorCode.Unavailable;
    message = 'a dependency of the auth service is unavailable; retry';
    logger?.warn({ err: error }, 'dependency unavailable');
  } else {
    code = AuthErrorCode.Internal;
    message = 'internal error';
    logger?.error({ err: error }, 'unexpected error in an auth RPC');
  }
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, code);
  metadata.set(ERROR_DETAIL_KEY, encodeDetail(code, message, violations));
  return { code: STATUS_OF[code], message, details: message, metadata };
}

function isUnavailable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return /^Mongo(Network|ServerSelection|NotConnected)|^KafkaJS(Connection|NumberOfRetriesExceeded)|MaxRetriesPerRequest/.test(
    name,
  );
}

/** Applied to the controller: every thrown error leaves through toGrpcError. */
@Catch()
@Injectable()
export class AuthGrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown): Observable<never> {
    return throwError(() => toGrpcError(exception, this.logger));
  }
}
