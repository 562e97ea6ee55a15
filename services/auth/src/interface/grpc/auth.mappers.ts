// Domain/application values → contract messages; responses list their fields explicitly (nothing leaks).
import type { JwkRecord } from '@neuroforge/auth-policy';
import { auth } from '@neuroforge/contracts';
import type { ApiKeyView } from '../../application/ports/api-key-store.port';
import type { UserView } from '../../application/ports/user-accounts.port';
import type { Principal } from '../../application/shared/principal';
import type { IssuedTokens } from '../../application/shared/token-service';
import { roleToProto } from '../../domain/role';
import { toTimestamp } from '../../domain/timestamp';

const ts = (date: Date | null) => (date ? toTimestamp(date) : null);

export function toUser(user: UserView): auth.User {
  return {
    userId: user.userId,
    email: user.email,
    displayName: user.displayName,
    role: roleToProto(user.role),
    createdAt: ts(user.createdAt),
    lastLoginAt: ts(user.lastLoginAt),
  };
}

export function toTokenPair(tokens: IssuedTokens): auth.TokenPair {
  return {
    accessToken: tokens.accessToken,
    tokenType: 'Bearer',
    accessTokenExpiresInSeconds: tokens.accessTokenExpiresInSeconds,
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresInSeconds: tokens.refreshTokenExpiresInSeconds,
  };
}

export function toPrincipal(principal: Principal): auth.Principal {
  return {
    userId: principal.userId,
    email: principal.email,
    role: roleToProto(principal.role),
    authMethod:
      principal.method === 'api_key' ? auth.AuthMethod.AUTH_METHOD_API_KEY : auth.AuthMethod.AUTH_METHOD_ACCESS_TOKEN,
    apiKeyId: principal.apiKeyId,
    scopes: principal.scopes,
    expiresAt: ts(principal.expiresAt),
  };
}

export function toApiKey(key: ApiKeyView): auth.ApiKey {
  return {
    apiKeyId: key.apiKeyId,
    userId: key.userId,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: ts(key.createdAt),
    expiresAt: ts(key.expiresAt),
    lastUsedAt: ts(key.lastUsedAt),
    revoked: key.revoked,
  };
}

export function toJwk(key: JwkRecord): auth.Jwk {
  return {
    kid: key.kid,
    kty: key.kty,
    alg: key.alg,
    use: key.use,
    crv: key.crv ?? '',
    x: key.x ?? '',
    y: key.y ?? '',
    n: key.n ?? '',
    e: key.e ?? '',
  };
}
