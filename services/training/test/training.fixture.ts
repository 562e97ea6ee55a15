// Test support: the training service's Nest app in-process on a free port against the real local stack (its own
// Mongo database, Kafka topic and artifact folder), workers as real child processes running the real Python
// worker with one torch thread, and a promise-based gRPC client.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { loadConfig } from '@neuroforge/config';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { deleteTopics } from '@neuroforge/events';
import { createLogger, Readiness, ServiceKitModule } from '@neuroforge/service-kit';
import { dropMongoDatabase, freePort, GrpcTestClient, REPO_ROOT } from '@neuroforge/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { PoolSettings } from '../src/application/worker-pool/pool-settings';
import { WorkerPool } from '../src/application/worker-pool/worker-pool';
import { TrainingModule } from '../src/training.module';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

let python: string | undefined;
/** The worker venv's interpreter (created by the project's script on first use). */
export function workerPython(): string {
  python ??= join(
    execFileSync('bash', [join(REPO_ROOT, 'infra/scripts/python-env.sh')], { encoding: 'utf8' }).trim(),
    'bin/python',
  );
  return python;
}

/** What every test stack shares: one database, topic and artifact folder; apps come and go over it. */
export interface TrainingStack {
  dbName: string;
  topic: string;
  artifactDir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createStack(env: Record<string, string> = {}): Promise<TrainingStack> {
  const dbName = uniqueName('nf_test_training');
  const topic = uniqueName('nf-test-training-events');
  const artifactDir = await mkdtemp(join(tmpdir(), 'nf-training-'));
  return {
    dbName,
    topic,
    artifactDir,
    env: {
      NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${dbName}`,
      NEUROFORGE_SYSTEM__ARTIFACT_DIR: artifactDir,
      NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
      NEUROFORGE_SYSTEM__DEVICE: 'cpu',
      NEUROFORGE_STACK__TRACING_ENABLED: 'false',
      NEUROFORGE_TRAINING__LEASE_SECONDS: '5',
      NEUROFORGE_TRAINING__HEARTBEAT_SECONDS: '1',
      ...env,
    },
    cleanup: async () => {
      const kafka = new Kafka({
        clientId: uniqueName('nf-test'),
        brokers: ['127.0.0.1:9092'],
        logLevel: logLevel.NOTHING,
      });
      await deleteTopics(kafka, [topic, `${topic}.dlq`]).catch(() => undefined);
      await dropMongoDatabase(`mongodb://127.0.0.1:27017/${dbName}`);
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}

export interface RunningTraining {
  app: INestMicroservice;
  client: TrainingClient;
  pool: WorkerPool;
  stop(): Promise<void>;
  /** As if the service process died: workers SIGKILLed, nothing more written, leases left to expire. */
  crash(): Promise<void>;
}

class TestRootModule {}

export async function startTraining(
  stack: TrainingStack,
  options: { workers?: number; registryAddress?: string; pool?: Partial<PoolSettings> } = {},
): Promise<RunningTraining> {
  const config = loadConfig({
    env: { ...stack.env, NEUROFORGE_TRAINING__WORKERS: String(options.workers ?? 1) },
    cwd: stack.artifactDir,
  });
  const logger = createLogger('training', config);
  const root = {
    module: TestRootModule,
    imports: [
      ServiceKitModule.forRoot({ name: 'training', config, logger, readiness: new Readiness('training', []) }),
      TrainingModule.forRoot({
        topic: stack.topic,
        python: workerPython(),
        registryAddress: options.registryAddress ?? '127.0.0.1:1',
        stopWaitMs: 30_000,
        pool: { torchThreads: 1, pollMs: 200, ...options.pool },
      }),
    ],
  };
  const port = await freePort();
  const app = await NestFactory.createMicroservice(root, {
    transport: Transport.GRPC,
    options: { ...grpcPackageOptions('training'), url: `127.0.0.1:${port}` },
    logger: false,
  });
  await app.listen();
  const client = new TrainingClient(`127.0.0.1:${port}`);
  const pool = app.get(WorkerPool);
  return {
    app,
    client,
    pool,
    stop: async () => {
      client.close();
      await app.close();
    },
    crash: async () => {
      await pool.crash();
      client.close();
      await app.close();
    },
  };
}

/** TrainingService over plain grpc-js, plus WatchJob as one promise. */
export class TrainingClient extends GrpcTestClient {
  constructor(address: string) {
    super('training', address);
  }

  /** Every message of a WatchJob stream until it ends. */
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field
  watch(jobId: string): Promise<any[]> {
    return this.stream('watchJob', { jobId });
  }
}

/** A small piece of the shipped corpus, inline. */
export function corpusSample(bytes = 4000): Buffer {
  const text = execFileSync('head', [
    '-c',
    String(bytes),
    join(REPO_ROOT, 'services/training/assets/corpus/alice-in-wonderland.txt'),
  ]);
  return Buffer.from(text);
}

/** A tiny byte-level RetNet trained on one thread. */
export const TINY_MODEL = {
  tokenizer: 'byte',
  vocabSize: 259,
  embedDim: 16,
  numHeads: 2,
  numLayers: 1,
  ffnDim: 32,
  maxSeqLen: 32,
  dropout: 0,
};

export function tinyTraining(maxSteps: number, checkpointEverySteps: number) {
  return { batchSize: 2, learningRate: 0.01, warmupSteps: 1, maxSteps, checkpointEverySteps };
}

/** Newest complete checkpoint step in a job's folder. */
export async function checkpointStep(artifactDir: string, jobId: string): Promise<number> {
  const dir = join(artifactDir, 'training/jobs', jobId, 'out/checkpoints');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Math.max(0, ...names.filter((n) => n.startsWith('step-')).map((n) => Number(n.slice(5))));
}
