// Stable error codes of the auth context (`AUTH.<REASON>`). They never change wording; the gRPC interface maps
// each to a status in one place (interface/grpc/grpc-errors.ts) and docs/auth.md lists them.
export const AuthErrorCode = {
  InvalidArgument: 'AUTH.INVALID_ARGUMENT',
  InvalidCredentials: 'AUTH.INVALID_CREDENTIALS',
  EmailTaken: 'AUTH.EMAIL_TAKEN',
  UserNotFound: 'AUTH.USER_NOT_FOUND',
  UserExists: 'AUTH.USER_EXISTS',
  TokenInvalid: 'AUTH.TOKEN_INVALID',
  TokenExpired: 'AUTH.TOKEN_EXPIRED',
  TokenRevoked: 'AUTH.TOKEN_REVOKED',
  TokenReused: 'AUTH.TOKEN_REUSED',
  KeyInvalid: 'AUTH.KEY_INVALID',
  KeyRevoked: 'AUTH.KEY_REVOKED',
  KeyExpired: 'AUTH.KEY_EXPIRED',
  KeyNotFound: 'AUTH.KEY_NOT_FOUND',
  ScopeNotAllowed: 'AUTH.SCOPE_NOT_ALLOWED',
  Unauthenticated: 'AUTH.UNAUTHENTICATED',
  PermissionDenied: 'AUTH.PERMISSION_DENIED',
  Conflict: 'AUTH.CONFLICT',
  Unavailable: 'AUTH.UNAVAILABLE',
  Internal: 'AUTH.INTERNAL',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];
