import { Redis } from 'ioredis';
import type { DependencyCheck } from '../readiness/dependency-check';

/** Redis answers PING. ioredis reconnects by itself; with the offline queue off a PING fails at once while it is down. */
export class RedisCheck implements DependencyCheck {
  readonly name = 'redis';
  private client: Redis | undefined;

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 1000,
  ) {}

  async check(): Promise<void> {
    const client = this.connected();
    if (client.status === 'wait') await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    client?.disconnect();
  }

  private connected(): Redis {
    if (this.client) return this.client;
    const client = new Redis(this.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      // Keep trying every half second for as long as the service lives: readiness must come back on its own.
      retryStrategy: () => 500,
    });
    // Connection errors are reported by the next PING; without a listener ioredis logs each one.
    client.on('error', () => undefined);
    this.client = client;
    return client;
  }
}
