import { revocationKeys } from '@neuroforge/auth-policy';
import type { Redis } from 'ioredis';
import type { RevocationList } from '../application/ports/revocation-list.port';

/** `<prefix>revoked:session:<sid>` with a TTL: the gateway checks the same keys (auth-policy's revocationKeys). */
export class RedisRevocationList implements RevocationList {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async revokeSession(sessionId: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(revocationKeys.session(this.prefix, sessionId), '1', 'EX', Math.max(1, ttlSeconds));
  }

  async isSessionRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(revocationKeys.session(this.prefix, sessionId))) === 1;
  }
}
