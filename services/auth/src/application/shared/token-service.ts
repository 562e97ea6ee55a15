// Issues and verifies access tokens and refresh tokens: one place owns token formats and lifetimes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  ACCESS_TOKEN_ALG,
  type AccessTokenClaims,
  AccessTokenError,
  createJwksVerifier,
  type JwksVerifier,
  type Role,
} from '@neuroforge/auth-policy';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { DomainError } from '@neuroforge/events';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import { SignJWT } from 'jose';
import { KEY_RING, type KeyRing } from '../ports/key-ring.port';
import { REVOCATION_LIST, type RevocationList } from '../ports/revocation-list.port';
import { SESSION_STORE, type SessionStore } from '../ports/session-store.port';

export interface TokenSubject {
  userId: string;
  email: string;
  role: Role;
}

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresInSeconds: number;
  refreshToken: string;
  refreshTokenExpiresInSeconds: number;
  sessionId: string;
}

/** Revocations outlive the access tokens they cover by this much (clock differences). */
const REVOCATION_SKEW_SECONDS = 60;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

@Injectable()
export class TokenService {
  private readonly verifier: JwksVerifier;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NeuroForgeConfig,
    @Inject(KEY_RING) private readonly keys: KeyRing,
    @Inject(SESSION_STORE) private readonly sessions: SessionStore,
    @Inject(REVOCATION_LIST) private readonly revocations: RevocationList,
  ) {
    // The service verifies with the same helper the gateway uses, fed from its own key ring.
    this.verifier = createJwksVerifier({
      fetchJwks: () => this.keys.publicJwks(),
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      cacheSeconds: 5,
      minRefreshIntervalMs: 0,
      isRevoked: (claims) => this.revocations.isSessionRevoked(claims.sid),
    });
  }

  get accessTtlSeconds(): number {
    return this.config.auth.access_token_ttl_seconds;
  }

  /** Seconds a session revocation must be remembered: until its last access token expired. */
  get revocationTtlSeconds(): number {
    return this.accessTtlSeconds + REVOCATION_SKEW_SECONDS;
  }

  async signAccessToken(subject: TokenSubject, sessionId: string, scopes: string[] = []): Promise<string> {
    const key = await this.keys.signingKey();
    return new SignJWT({ email: subject.email, role: subject.role, scopes, sid: sessionId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: key.kid, typ: 'JWT' })
      .setSubject(subject.userId)
      .setIssuer(this.config.auth.issuer)
      .setAudience(this.config.auth.audience)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.accessTtlSeconds}s`)
      .sign(key.privateKey);
  }

  /** A new session (refresh-token family) with its first token pair. */
  async startSession(subject: TokenSubject, now = new Date()): Promise<IssuedTokens> {
    const sessionId = randomUUID();
    const expiresAt = new Date(now.getTime() + this.config.auth.refresh_token_ttl_seconds * 1000);
    await this.sessions.createSession({
      sessionId,
      userId: subject.userId,
      createdAt: now,
      expiresAt,
      revokedAt: null,
    });
    return this.issuePair(subject, sessionId, expiresAt, now);
  }

  /**
   * A token pair inside an existing session. Refresh tokens share their session's absolute expiry: rotation
   * never extends a session beyond auth.refresh_token_ttl_seconds after its login.
   */
  async issuePair(
    subject: TokenSubject,
    sessionId: string,
    sessionExpiresAt: Date,
    now = new Date(),
  ): Promise<IssuedTokens> {
    const refreshToken = `nfr_${randomBytes(32).toString('base64url')}`;
    await this.sessions.saveToken({
      tokenHash: hashToken(refreshToken),
      sessionId,
      userId: subject.userId,
      expiresAt: sessionExpiresAt,
      rotatedAt: null,
    });
    return {
      accessToken: await this.signAccessToken(subject, sessionId),
      accessTokenExpiresInSeconds: this.accessTtlSeconds,
      refreshToken,
      refreshTokenExpiresInSeconds: Math.max(0, Math.floor((sessionExpiresAt.getTime() - now.getTime()) / 1000)),
      sessionId,
    };
  }

  /** Verifies an access token (signature, EdDSA only, issuer, audience, expiry, revoked session). */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof AccessTokenError) throw new DomainError(error.code, error.message);
      throw error;
    }
  }

  /** Ends a session: its refresh tokens stop working and its access tokens are refused until they expire. */
  async revokeSession(sessionId: string, now = new Date()): Promise<boolean> {
    const revoked = await this.sessions.revokeSession(sessionId, now);
    await this.revocations.revokeSession(sessionId, this.revocationTtlSeconds);
    return revoked;
  }
}
