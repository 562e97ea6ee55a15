// Test support: the model registry's Nest app started in-process on a free port, against the real local stack,
// with its own Mongo database, Kafka topic, consumer group and artifact folder; a promise-based gRPC client.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { loadConfig, type NeuroForgeConfig } from '@neuroforge/config';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { deleteTopics, dlqTopic } from '@neuroforge/events';
import { createLogger, Readiness, ServiceKitModule } from '@neuroforge/service-kit';
import { dropMongoDatabase, freePort, GrpcTestClient } from '@neuroforge/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import { ModelRegistryModule } from '../src/model-registry.module';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface RunningRegistry {
  app: INestMicroservice;
  config: NeuroForgeConfig;
  topic: string;
  artifactDir: string;
  client: GrpcTestClient;
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
  const client = new GrpcTestClient('models', `127.0.0.1:${port}`);
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
      await dropMongoDatabase(config.stack.mongo_url);
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}
