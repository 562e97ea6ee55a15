import { Inject, Injectable } from '@nestjs/common';
import {
  type AccessTokenClaims,
  AccessTokenError,
  AUTH_REDIS_PREFIX,
  createJwksVerifier,
  type JwkRecord,
  type JwksVerifier,
  type Role,
  revocationKeys,
} from '@neuroforge/auth-policy';
import type { NeuroForgeConfig } from '@neuroforge/config';
import type { auth } from '@neuroforge/contracts';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import { Upstreams } from '../infrastructure/grpc/upstreams';
import { GatewayRedis } from '../infrastructure/redis/redis.provider';
import { ApiError } from './api-error';
import type { Principal } from './principal';

const API_KEY_PREFIX = 'nf_';
/** Verified access tokens remembered (the whole token is the key, so only the same signed bytes match). */
const MAX_REMEMBERED_TOKENS = 10_000;
const ROLE_OF_PROTO: Readonly<Record<string, Role>> = {
  ROLE_ADMIN: 'admin',
  ROLE_DEVELOPER: 'developer',
  ROLE_VIEWER: 'viewer',
};

/**
 * The credential a request carries: `Authorization: Bearer <jwt | nf_ API key>`, or `x-api-key: nf_...`
 * (and, for WebSocket upgrades only, `?token=`, since browsers cannot set headers there).
 */
export function credentialOf(
  headers: Record<string, string | string[] | undefined>,
  queryToken?: string,
): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  return queryToken || undefined;
}

/** A credential whose signature (access token) or key (API key) checked out, and what is left to check. */
export interface Authentication {
  readonly principal: Principal;
  /**
   * The revocation marks auth keeps in Redis for this access token (its session and its `jti`); the credential is
   * revoked when one exists. Empty for API keys: auth's VerifyApiKey already said whether the key is revoked.
   */
  readonly revocationKeys: readonly string[];
}

/** The 401 a revoked access token gets, wherever the revocation was found. */
export function tokenRevoked(): ApiError {
  return new ApiError(401, 'AUTH.TOKEN_REVOKED', 'access token revoked', {}, { 'www-authenticate': 'Bearer' });
}

/**
 * Establishes who is calling. Access tokens are verified locally against the auth service's JWKS (cached,
 * refreshed on an unknown `kid`, see @neuroforge/auth-policy) plus the revocation marks auth keeps in Redis, so a
 * reused refresh token's family stops working at the gateway too. API keys go to auth's VerifyApiKey on every
 * request, so a revoked key stops working at once.
 *
 * HTTP requests use `authenticate`, which leaves the revocation marks to the rate-limit admission script (one Redis
 * round trip for both, see RateLimiter); `verify` checks them itself (WebSocket connections).
 */
@Injectable()
export class CredentialVerifier {
  private readonly jwks: JwksVerifier;
  private readonly verified = new Map<string, { expiresAtMs: number; authentication: Authentication }>();

  constructor(
    @Inject(SERVICE_CONFIG) config: NeuroForgeConfig,
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(GatewayRedis) private readonly redis: GatewayRedis,
  ) {
    this.jwks = createJwksVerifier({
      fetchJwks: async () =>
        (await upstreams.auth.unary<auth.GetJwksRequest, auth.GetJwksResponse>('GetJwks', {}))
          .keys as unknown as JwkRecord[],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      cacheSeconds: config.auth.jwks_cache_seconds,
      clockToleranceSeconds: 1,
      // No isRevoked: revocation is checked by the caller of authenticate (or by verify), for seen tokens too.
    });
  }

  /** The credential's principal, revocation included (a revoked access token is refused with 401). */
  async verify(credential: string): Promise<Principal> {
    const { principal, revocationKeys } = await this.authenticate(credential);
    if (await this.isRevoked(revocationKeys)) throw tokenRevoked();
    return principal;
  }

  /**
   * The credential's principal and the revocation marks still to be checked (the caller must check them before
   * letting the request through: RateLimitGuard does, in the admission script). Throws 401 for anything invalid.
   */
  async authenticate(credential: string): Promise<Authentication> {
    if (credential.startsWith(API_KEY_PREFIX))
      return { principal: await this.verifyApiKey(credential), revocationKeys: [] };
    return this.accessTokenAuthentication(credential);
  }

  /**
   * Whether one of the marks exists. If Redis cannot answer, the signature check stands alone (as the admission
   * script does: the gateway keeps serving while Redis is away).
   */
  async isRevoked(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    try {
      return (await this.redis.client.exists(...keys)) > 0;
    } catch {
      return false;
    }
  }

  /**
   * A token seen before skips the signature check until its `exp` (the CPU-heavy part of verification; revocation
   * is checked on every request by the caller) and reuses its principal; anything else goes through the full check
   * of @neuroforge/auth-policy.
   */
  private async accessTokenAuthentication(token: string): Promise<Authentication> {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.authentication;
    this.verified.delete(token);
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwks.verify(token);
    } catch (error) {
      if (error instanceof AccessTokenError) {
        throw new ApiError(401, error.code, error.message, {}, { 'www-authenticate': 'Bearer' });
      }
      throw error;
    }
    const authentication: Authentication = {
      principal: {
        userId: claims.sub,
        email: claims.email,
        role: claims.role,
        method: 'access_token',
        credentialId: claims.sid,
        scopes: claims.scopes,
      },
      revocationKeys: [
        revocationKeys.session(AUTH_REDIS_PREFIX, claims.sid),
        revocationKeys.token(AUTH_REDIS_PREFIX, claims.jti),
      ],
    };
    if (this.verified.size >= MAX_REMEMBERED_TOKENS) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { expiresAtMs: claims.exp * 1000, authentication });
    return authentication;
  }

  private async verifyApiKey(apiKey: string): Promise<Principal> {
    const { principal } = await this.upstreams.auth.unary<auth.VerifyApiKeyRequest, auth.VerifyApiKeyResponse>(
      'VerifyApiKey',
      { apiKey },
    );
    const role = principal ? ROLE_OF_PROTO[principal.role] : undefined;
    if (!principal || !role) throw ApiError.unauthenticated('The API key is not valid.');
    return {
      userId: principal.userId,
      email: principal.email,
      role,
      method: 'api_key',
      credentialId: principal.apiKeyId,
      scopes: principal.scopes,
    };
  }
}
