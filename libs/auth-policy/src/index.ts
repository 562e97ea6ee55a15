// @neuroforge/auth-policy: the role → permission matrix and access-token verification, shared by the auth
// service and the gateway so that neither defines them twice. See docs/auth.md.
export { ACCESS_TOKEN_ALG, type AccessTokenClaims, AUTH_REDIS_PREFIX, revocationKeys } from './access-token';
export {
  AccessTokenError,
  type AccessTokenErrorCode,
  createJwksVerifier,
  type JwkRecord,
  type JwksVerifier,
  type JwksVerifierOptions,
  toJwk,
} from './jwks-verifier';
export {
  effectivePermissions,
  isAllowed,
  isPermission,
  isRole,
  PERMISSIONS,
  type Permission,
  permissionsOf,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
  roleAllows,
  scopesBeyondRole,
} from './permissions';
