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

/**
 * Establishes who is calling. Access tokens are verified locally against the auth service's JWKS (cached,
 * refreshed on an unknown `kid`, see @neuroforge/auth-policy) plus the revocation marks auth keeps in Redis, so a
 * reused refresh token's family stops working at the gateway too. API keys go to auth's VerifyApiKey on every
 * request, so a revoked key stops working at once.
 */
@Injectable()
export class CredentialVerifier {
  private readonly jwks: JwksVerifier;
  private readonly verified = new Map<string, AccessTokenClaims>();

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
      isRevoked: (claims) => this.isRevoked(claims.sid, claims.jti),
    });
  }

  async verify(credential: string): Promise<Principal> {
    return credential.startsWith(API_KEY_PREFIX) ? this.verifyApiKey(credential) : this.verifyAccessToken(credential);
  }

  private async verifyAccessToken(token: string): Promise<Principal> {
    try {
      const claims = await this.claimsOf(token);
      return {
        userId: claims.sub,
        email: claims.email,
        role: claims.role,
        method: 'access_token',
        credentialId: claims.sid,
        scopes: claims.scopes,
      };
    } catch (error) {
      if (error instanceof AccessTokenError) {
        return Promise.reject(new ApiError(401, error.code, error.message, {}, { 'www-authenticate': 'Bearer' }));
      }
      throw error;
    }
  }

  /**
   * A token seen before skips the signature check until its `exp` (the CPU-heavy part of verification), never the
   * revocation check; anything else goes through the full check of @neuroforge/auth-policy.
   */
  private async claimsOf(token: string): Promise<AccessTokenClaims> {
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) {
      if (await this.isRevoked(known.sid, known.jti)) {
        this.verified.delete(token);
        throw new AccessTokenError('AUTH.TOKEN_REVOKED', 'access token revoked');
      }
      return known;
    }
    this.verified.delete(token);
    const claims = await this.jwks.verify(token);
    if (this.verified.size >= MAX_REMEMBERED_TOKENS) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
    return claims;
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

  /** Auth marks revoked sessions and tokens in Redis; if Redis cannot answer, the signature check stands alone. */
  private async isRevoked(sid: string, jti: string): Promise<boolean> {
    try {
      const found = await this.redis.client.exists(
        revocationKeys.session(AUTH_REDIS_PREFIX, sid),
        revocationKeys.token(AUTH_REDIS_PREFIX, jti),
      );
      return found > 0;
    } catch {
      return false;
    }
  }
}
