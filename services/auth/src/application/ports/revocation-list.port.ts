export const REVOCATION_LIST = Symbol('REVOCATION_LIST');

/** Revoked sessions, kept until every access token they issued has expired (Redis). */
export interface RevocationList {
  revokeSession(sessionId: string, ttlSeconds: number): Promise<void>;
  isSessionRevoked(sessionId: string): Promise<boolean>;
}
