// Test support: the model registry's Nest app started in-process on a free port, against the real local stack,
// with its own Mongo database, Kafka topic, consumer group and artifact folder; a promise-based gRPC client.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { loadConfig, type NeuroForgeConfig } from '@neuroforge/config';
import { grpcPackageOptions, loadGrpcPackageDefinition } from '@neuroforge/contracts';
import { deleteTopics, dlqTopic } from '@neuroforge/events';
import { createLogger, Readiness, ServiceKitModule } from '@neuroforge/service-kit';
import { freePort } from '@neuroforge/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { ModelRegistryModule } from '../src/model-registry.module';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface RunningRegistry {
  app: INestMicroservice;
  config: NeuroForgeConfig;
  topic: string;
  artifactDir: string;
  client: RegistryClient;
  kafka: Kafka;
  dbName: string;
  stop(): Promise<void>;
}

class TestRootModule {}

export async function startRegistry(options: { seedOnStart?: boolean } = {}): Promise<RunningRegistry> {
  const dbName = uniqueName('nf_test_registry');
  const topic = uniqueName('nf-test-models-events');
  const artifactDir = await mkdtemp(join(tmpdir(), 'nf-registry-artifacts-'));
  const config = loadConfig({
    env: {
      NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${dbName}`,
      NEUROFORGE_SYSTEM__ARTIFACT_DIR: artifactDir,
      NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
      NEUROFORGE_STACK__TRACING_ENABLED: 'false',
    },
    cwd: artifactDir,
  });
  const logger = createLogger('model-registry', config);
  const root = {
    module: TestRootModule,
    imports: [
      ServiceKitModule.forRoot({
        name: 'model-registry',
        config,
        logger,
        readiness: new Readiness('model-registry', []),
      }),
      ModelRegistryModule.forRoot({
        topic,
        consumerGroup: uniqueName('nf-test-registry-read-model'),
        seedOnStart: options.seedOnStart ?? false,
      }),
    ],
  };
  const port = await freePort();
  const app = await NestFactory.createMicroservice(root, {
    transport: Transport.GRPC,
    options: { ...grpcPackageOptions('models'), url: `127.0.0.1:${port}` },
    logger: false,
  });
  await app.listen();
  const client = new RegistryClient(`127.0.0.1:${port}`);
  const kafka = new Kafka({
    clientId: uniqueName('nf-test-registry'),
    brokers: ['127.0.0.1:9092'],
    logLevel: logLevel.ERROR,
  });
  return {
    app,
    config,
    topic,
    artifactDir,
    client,
    kafka,
    dbName,
    stop: async () => {
      client.close();
      await app.close();
      await deleteTopics(kafka, [topic, dlqTopic(topic)]).catch(() => undefined);
      const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${dbName}`).asPromise();
      await connection.dropDatabase();
      await connection.close();
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}

type Unary = (
  request: unknown,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** ModelRegistryService over plain grpc-js, one promise per call. */
export class RegistryClient {
  private readonly client: Client & Record<string, Unary>;

  constructor(address: string) {
    const loaded = loadPackageDefinition(loadGrpcPackageDefinition('models')) as unknown as {
      neuroforge: { models: { v1: { ModelRegistryService: new (address: string, creds: unknown) => Client } } };
    };
    const Service = loaded.neuroforge.models.v1.ModelRegistryService;
    this.client = new Service(address, credentials.createInsecure()) as Client & Record<string, Unary>;
  }

  // biome-ignore lint/suspicious/noExplicitAny: responses are checked field by field in the tests
  call(method: string, request: object, metadata: Record<string, string> = {}): Promise<any> {
    const md = new Metadata();
    for (const [key, value] of Object.entries(metadata)) md.set(key, value);
    return new Promise((resolve, reject) => {
      const fn = this.client[method];
      if (!fn) throw new Error(`no RPC ${method}`);
      fn.call(this.client, request, md, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }

  /** The rejected call's error (fails when the call succeeds). */
  async failure(method: string, request: object, metadata: Record<string, string> = {}): Promise<ServiceError> {
    try {
      await this.call(method, request, metadata);
    } catch (error) {
      return error as ServiceError;
    }
    throw new Error(`${method} was expected to fail`);
  }

  close(): void {
    this.client.close();
  }
}

/** Polls until `probe` returns a value that passes `done`, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}
