export const SESSION_STORE = Symbol('SESSION_STORE');

/** A session is one refresh-token family: a login and every refresh that descends from it. */
export interface SessionRecord {
  sessionId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** One refresh token, stored by the SHA-256 of its value (the value itself is never stored). */
export interface RefreshTokenRecord {
  tokenHash: string;
  sessionId: string;
  userId: string;
  expiresAt: Date;
  /** When Refresh consumed it; a second use after this is reuse. */
  rotatedAt: Date | null;
}

export interface SessionStore {
  createSession(session: SessionRecord): Promise<void>;
  session(sessionId: string): Promise<SessionRecord | null>;
  /** True when this call revoked it (false: unknown or already revoked). */
  revokeSession(sessionId: string, at: Date): Promise<boolean>;
  activeSessionsOf(userId: string, now: Date): Promise<SessionRecord[]>;
  saveToken(token: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically marks a token rotated. Returns the record as it was before (so `rotatedAt` set means it had
   * already been used: reuse), or null for an unknown token.
   */
  consumeToken(tokenHash: string, at: Date): Promise<RefreshTokenRecord | null>;
}
