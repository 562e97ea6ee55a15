import { status as GrpcStatus } from '@grpc/grpc-js';

/** HTTP status for each gRPC status code (docs/api/grpc.md, "Errors"; 499 is "client closed request"). */
export const HTTP_STATUS_OF_GRPC: Readonly<Record<number, number>> = {
  [GrpcStatus.OK]: 200,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.UNKNOWN]: 502,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 409,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.UNIMPLEMENTED]: 503,
  [GrpcStatus.INTERNAL]: 502,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DATA_LOSS]: 502,
  [GrpcStatus.UNAUTHENTICATED]: 401,
};

/** Stable codes for failures found at the edge (upstream failures keep the service's own `neuroforge-error-code`). */
export const EDGE_ERROR_CODES = {
  invalidJson: 'REQUEST.INVALID_JSON',
  validation: 'REQUEST.VALIDATION_FAILED',
  bodyTooLarge: 'REQUEST.BODY_TOO_LARGE',
  unsupportedMediaType: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  routeNotFound: 'REQUEST.ROUTE_NOT_FOUND',
  badRequest: 'REQUEST.BAD_REQUEST',
  unauthenticated: 'AUTH.UNAUTHENTICATED',
  tokenExpired: 'AUTH.TOKEN_EXPIRED',
  invalidToken: 'AUTH.TOKEN_INVALID',
  forbidden: 'AUTH.FORBIDDEN',
  rateLimitRequests: 'RATE_LIMIT.REQUESTS',
  rateLimitTokens: 'RATE_LIMIT.TOKENS',
  internal: 'GATEWAY.INTERNAL',
} as const;
