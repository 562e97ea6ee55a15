// An auth service in-process for integration tests: real MongoDB (a throw-away database), Redis (a unique key
// prefix), Kafka (a unique topic), and a grpc-js client on a private port. close() removes all three.
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { loadConfig, type NeuroForgeConfig } from '@neuroforge/config';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { deleteTopics } from '@neuroforge/events';
import { createLogger, Readiness, ServiceKitModule } from '@neuroforge/service-kit';
import { freePort, GrpcTestClient } from '@neuroforge/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import { AuthModule } from '../src/auth.module';
import { AuthInfrastructure } from '../src/infrastructure/auth-infrastructure';

export interface AuthApp {
  config: NeuroForgeConfig;
  url: string;
  topic: string;
  redisPrefix: string;
  infra: AuthInfrastructure;
  kafka: Kafka;
  /** Calls one unary RPC (method name in camelCase); rejects with the grpc-js ServiceError. */
  call<T = Record<string, unknown>>(method: string, request: object, metadata?: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

export async function startAuthApp(env: Record<string, string> = {}): Promise<AuthApp> {
  const id = randomBytes(5).toString('hex');
  const topic = `nf-test-auth-${id}`;
  const redisPrefix = `nf-test-auth:${id}:`;
  const config = loadConfig({
    env: {
      NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/nf_test_auth_${id}`,
      NEUROFORGE_STACK__TRACING_ENABLED: 'false',
      NEUROFORGE_SYSTEM__LOG_LEVEL: 'error',
      ...env,
    },
    cwd: '/nonexistent',
  });
  const logger = createLogger('auth', config);
  const url = `127.0.0.1:${await freePort()}`;
  const root = {
    module: class AuthTestRoot {},
    imports: [
      ServiceKitModule.forRoot({ name: 'auth', config, logger, readiness: new Readiness('auth', []) }),
      AuthModule.forRoot({ redisPrefix, topic }),
    ],
  };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
    transport: Transport.GRPC,
    options: { ...grpcPackageOptions('auth'), url },
    logger: false,
  });
  await app.listen();
  const infra = app.get(AuthInfrastructure, { strict: false });
  const client = new GrpcTestClient('auth', url);
  const kafka = new Kafka({
    clientId: `nf-test-auth-${id}`,
    brokers: config.stack.kafka_brokers,
    logLevel: logLevel.NOTHING,
  });

  return {
    config,
    url,
    topic,
    redisPrefix,
    infra,
    kafka,
    call: (method, request, metadata) => client.call(method, request, metadata),
    async close() {
      client.close();
      const keys = await infra.redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await infra.redis.del(...keys);
      await infra.connection.dropDatabase();
      await app.close();
      await deleteTopics(kafka, [topic, `${topic}.dlq`]).catch(() => undefined);
    },
  };
}

/** The stable code a failed call carried in its trailing metadata. */
export { errorCodeOf as errorCode } from '@neuroforge/service-kit';

/** Reads messages from the beginning of a topic until `until` is satisfied (or the timeout passes). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (types: string[]) => boolean,
  timeoutMs = 15_000,
): Promise<{ type: string; subject: string; data: Record<string, unknown> }[]> {
  const consumer = kafka.consumer({
    groupId: `nf-test-auth-read-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  const seen: { type: string; subject: string; data: Record<string, unknown> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          type: String(message.headers?.ce_type ?? ''),
          subject: String(message.headers?.ce_subject ?? ''),
          data: JSON.parse(message.value?.toString() ?? '{}'),
        });
        if (until(seen.map((s) => s.type))) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
