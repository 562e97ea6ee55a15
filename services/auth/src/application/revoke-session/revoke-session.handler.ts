import { Inject, Injectable } from '@nestjs/common';
import { SESSION_STORE, type SessionStore } from '../ports/session-store.port';
import { hashToken, TokenService } from '../shared/token-service';

/** Logout: ends the refresh token's session, or every session of its user. Unknown tokens revoke nothing. */
@Injectable()
export class RevokeSessionHandler {
  constructor(
    @Inject(SESSION_STORE) private readonly sessions: SessionStore,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  async execute(refreshToken: string, allSessions: boolean, now = new Date()): Promise<number> {
    const token = await this.sessions.consumeToken(hashToken(refreshToken), now);
    if (!token) return 0;
    const sessionIds = allSessions
      ? (await this.sessions.activeSessionsOf(token.userId, now)).map((s) => s.sessionId)
      : [token.sessionId];
    if (!sessionIds.includes(token.sessionId)) sessionIds.push(token.sessionId);
    let revoked = 0;
    for (const id of sessionIds) if (await this.tokens.revokeSession(id, now)) revoked++;
    return revoked;
  }
}
