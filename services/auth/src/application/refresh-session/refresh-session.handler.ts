import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type EventStore, handleCommand } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { userDecider } from '../../domain/user/user.decider';
import { userStreamId } from '../../domain/user/user.events';
import { EVENT_STORE, OUTBOX, type Outbox } from '../ports/event-store.port';
import { SESSION_STORE, type SessionStore } from '../ports/session-store.port';
import { USER_ACCOUNTS, type UserAccounts } from '../ports/user-accounts.port';
import { hashToken, type IssuedTokens, TokenService } from '../shared/token-service';

/**
 * Rotation: each refresh token works once. A second use of a rotated token means two parties hold it (a leak),
 * so the whole session is revoked — the successor token too — and the reuse is audited.
 */
@Injectable()
export class RefreshSessionHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(SESSION_STORE) private readonly sessions: SessionStore,
    @Inject(USER_ACCOUNTS) private readonly users: UserAccounts,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  async execute(refreshToken: string, now = new Date()): Promise<IssuedTokens> {
    // 1. Consume the token atomically; its previous state tells first use from reuse.
    const token = await this.sessions.consumeToken(hashToken(refreshToken), now);
    if (!token) throw new DomainError(AuthErrorCode.TokenInvalid, 'refresh token invalid');
    // 2. A revoked session (logout, or an earlier reuse already handled) refuses every token it issued.
    const session = await this.sessions.session(token.sessionId);
    if (!session || session.revokedAt) throw new DomainError(AuthErrorCode.TokenRevoked, 'session revoked');
    if (token.rotatedAt) {
      await this.tokens.revokeSession(token.sessionId, now);
      await handleCommand(this.store, userDecider, userStreamId(token.userId), {
        type: 'record_refresh_reuse',
        data: { sessionId: token.sessionId },
      });
      this.outbox.nudge();
      throw new DomainError(AuthErrorCode.TokenReused, 'refresh token was already used; the session is revoked');
    }
    if (token.expiresAt <= now) throw new DomainError(AuthErrorCode.TokenExpired, 'refresh token expired');
    // 3. New pair in the same session, with the user's current role.
    const user = await this.users.view(token.userId);
    if (!user) throw new DomainError(AuthErrorCode.TokenInvalid, 'refresh token invalid');
    return this.tokens.issuePair(user, session.sessionId, session.expiresAt, now);
  }
}
