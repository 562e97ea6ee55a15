// The auth service's side of the gRPC error mapping (docs/api/grpc.md, "Errors"): which status each stable code
// gets, and which non-domain failures it expects. The mechanism (trailing metadata, ErrorDetail, the filter) is
// the service kit's GrpcErrorFilter.
import { status } from '@grpc/grpc-js';
import { DomainError, VersionConflictError } from '@neuroforge/events';
import { type GrpcErrorMapping, isDependencyUnavailable } from '@neuroforge/service-kit';
import { AuthErrorCode } from '../../domain/auth-errors';

/** gRPC status of each stable code; a code missing here is a bug (compile error). */
export const STATUS_OF_CODE: Readonly<Record<AuthErrorCode, status>> = {
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

/** A conflict that outlived the handler's retries, and a dependency that is down, are the client's to retry. */
function translate(error: unknown): DomainError | undefined {
  if (error instanceof VersionConflictError)
    return new DomainError(AuthErrorCode.Conflict, 'a concurrent change won; retry');
  if (isDependencyUnavailable(error)) {
    return new DomainError(AuthErrorCode.Unavailable, 'a dependency of the auth service is unavailable; retry');
  }
  return undefined;
}

export const AUTH_GRPC_ERRORS: GrpcErrorMapping = {
  statusByCode: STATUS_OF_CODE,
  internalCode: AuthErrorCode.Internal,
  internalMessage: 'internal error',
  translate,
};
