import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import Redis from 'ioredis';

/** The gateway's Redis connection (rate-limit counters, revocation marks); commands are bounded to 500 ms. */
@Injectable()
export class GatewayRedis implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(@Inject(SERVICE_CONFIG) config: NeuroForgeConfig) {
    this.client = new Redis(config.stack.redis_url, {
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      retryStrategy: () => 500,
      lazyConnect: false,
      // Commands issued in the same tick by concurrent requests share one write.
      enableAutoPipelining: true,
    });
    // Errors surface on the commands that fail; the connection keeps retrying on its own.
    this.client.on('error', () => undefined);
  }

  /** After every onModuleDestroy (the rate limiter sends its pending token charges there). */
  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
  }
}
