// Opens the auth service's connections (MongoDB, Redis, Kafka), builds the adapters behind the application's
// ports, runs the outbox relay, and closes everything on shutdown.
import type { OnModuleDestroy } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { MongoEventStore, OutboxRelay } from '@neuroforge/events';
import { connectMongo, kafkaClient, type Logger } from '@neuroforge/service-kit';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Outbox } from '../application/ports/event-store.port';
import { Argon2PasswordHasher } from './argon2-password-hasher';
import type { AuthOptions } from './auth-options';
import { MongoApiKeyStore } from './mongo-api-key-store';
import { MongoKeyRing } from './mongo-key-ring';
import { MongoSessionStore } from './mongo-session-store';
import { MongoUserAccounts } from './mongo-user-accounts';
import { PrivateKeyCipher } from './private-key-cipher';
import { RedisRevocationList } from './redis-revocation-list';

/** Built by `open` (the event store needs a connected database); Nest closes it through onModuleDestroy. */
export class AuthInfrastructure implements OnModuleDestroy, Outbox {
  readonly users: MongoUserAccounts;
  readonly sessions: MongoSessionStore;
  readonly apiKeys: MongoApiKeyStore;
  readonly keyRing: MongoKeyRing;
  readonly revocations: RedisRevocationList;
  readonly hasher = new Argon2PasswordHasher();
  private readonly relay: OutboxRelay;

  private constructor(
    readonly connection: Connection,
    readonly redis: Redis,
    readonly store: MongoEventStore,
    config: NeuroForgeConfig,
    options: AuthOptions,
    private readonly logger: Logger,
  ) {
    const db = store.db;
    this.users = new MongoUserAccounts(db);
    this.sessions = new MongoSessionStore(db);
    this.apiKeys = new MongoApiKeyStore(db);
    this.keyRing = new MongoKeyRing(db, new PrivateKeyCipher(config.auth.signing_key_secret), {
      rotationSeconds: config.auth.signing_key_rotation_hours * 3600,
      accessTokenTtlSeconds: config.auth.access_token_ttl_seconds,
    });
    this.revocations = new RedisRevocationList(redis, options.redisPrefix);
    this.relay = new OutboxRelay({
      store,
      kafka: kafkaClient(config.stack, 'auth'),
      topic: options.topic,
      onError: (error) => logger.warn({ err: error }, 'outbox relay round failed'),
    });
  }

  static async open(config: NeuroForgeConfig, options: AuthOptions, logger: Logger): Promise<AuthInfrastructure> {
    const connection = await connectMongo(config.stack, { appName: 'neuroforge-auth' });
    const redis = new Redis(config.stack.redis_url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    const store = new MongoEventStore(connection, { service: 'auth', context: 'auth' });
    const infra = new AuthInfrastructure(connection, redis, store, config, options, logger);
    await Promise.all([
      store.init(),
      infra.users.init(),
      infra.sessions.init(),
      infra.apiKeys.init(),
      infra.keyRing.init(),
    ]);
    await infra.relay.start();
    return infra;
  }

  nudge(): void {
    this.relay.nudge();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop().catch((error) => this.logger.warn({ err: error }, 'outbox relay stop failed'));
    await Promise.allSettled([this.redis.quit(), this.connection.close()]);
  }
}
