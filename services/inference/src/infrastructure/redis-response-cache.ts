// The response cache on Redis: one JSON value per key with a TTL. Best effort by design — a slow or absent
// Redis makes every lookup a miss (bounded by a short command timeout) and never fails a request.
import { Redis } from 'ioredis';
import type { CachedResponse, ResponseCache } from '../application/ports/response-cache.port';

export class RedisResponseCache implements ResponseCache {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 250,
      retryStrategy: () => 500,
    });
    this.redis.on('error', () => undefined); // reconnects on its own; lookups meanwhile are misses
    void this.redis.connect().catch(() => undefined);
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    try {
      const text = await this.redis.get(this.keyPrefix + key);
      return text ? (JSON.parse(text) as CachedResponse) : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedResponse): Promise<void> {
    try {
      await this.redis.set(this.keyPrefix + key, JSON.stringify(value), 'EX', this.ttlSeconds);
    } catch {
      // a response not cached is only a later miss
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
