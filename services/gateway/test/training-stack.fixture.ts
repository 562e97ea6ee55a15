// The gateway in-process in front of real auth and training services as processes (their built dist/), each on
// private ports with a throw-away Mongo database; the training service runs its real Python worker (one torch
// thread) into a temporary artifact folder and publishes on the shared `neuroforge.training.events` topic, which the
// gateway follows. The other upstreams point at closed ports.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, type RunningService } from '@neuroforge/service-kit';
import { ensureBuilt, freePort, ServiceProcess } from '@neuroforge/service-kit/testing';
import mongoose from 'mongoose';
import { GATEWAY_SERVICE } from '../src/gateway.definition';
import { TrainingEventsConsumer } from '../src/interface/kafka/training-events.consumer';

const READY_TIMEOUT_MS = 60_000;

export interface TrainingGatewayStack {
  url: string;
  gateway: RunningService;
  auth: ServiceProcess;
  training: ServiceProcess;
  adminEmail: string;
  close(): Promise<void>;
}

export async function startTrainingGatewayStack(): Promise<TrainingGatewayStack> {
  ensureBuilt('gateway', 'auth', 'training');
  const id = randomBytes(4).toString('hex');
  const artifactDir = await mkdtemp(join(tmpdir(), 'nf-gateway-training-'));
  const adminEmail = `admin-${id}@gateway-training-test.neuroforge.dev`;
  const databases = [`nf_test_gwt_auth_${id}`, `nf_test_gwt_training_${id}`];
  const common = { NEUROFORGE_STACK__TRACING_ENABLED: 'false', NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn' };
  // Upstreams this stack does not run: distinct ports nothing listens on (the config refuses shared ports).
  const [registryPort, inferencePort, embeddingsPort] = [await freePort(), await freePort(), await freePort()].map(
    String,
  );
  const started: ServiceProcess[] = [];
  const dropDatabases = async () => {
    for (const db of databases) {
      const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
  };
  try {
    const [auth, training] = await Promise.all([
      ServiceProcess.start('auth', {
        ...common,
        NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${databases[0]}`,
        NEUROFORGE_AUTH__BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      }),
      ServiceProcess.start('training', {
        ...common,
        NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${databases[1]}`,
        NEUROFORGE_SYSTEM__ARTIFACT_DIR: artifactDir,
        NEUROFORGE_SYSTEM__DEVICE: 'cpu',
        // Inherited by the workers: torch takes its thread count from it (NEUROFORGE_* names are config keys).
        OMP_NUM_THREADS: '1',
        NEUROFORGE_TRAINING__WORKERS: '2',
        NEUROFORGE_TRAINING__LEASE_SECONDS: '5',
        NEUROFORGE_TRAINING__HEARTBEAT_SECONDS: '1',
        NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: registryPort,
      }),
    ]);
    started.push(auth, training);
    await Promise.all([auth.waitForReady(200, READY_TIMEOUT_MS), training.waitForReady(200, READY_TIMEOUT_MS)]);

    const [httpPort, metricsPort] = [await freePort(), await freePort()];
    Object.assign(process.env, {
      ...common,
      NEUROFORGE_SERVICES__GATEWAY__HTTP_PORT: String(httpPort),
      NEUROFORGE_SERVICES__GATEWAY__METRICS_PORT: String(metricsPort),
      NEUROFORGE_SERVICES__AUTH__GRPC_PORT: String(auth.ports.grpc),
      NEUROFORGE_SERVICES__AUTH__METRICS_PORT: String(auth.ports.metrics),
      NEUROFORGE_SERVICES__TRAINING__GRPC_PORT: String(training.ports.grpc),
      NEUROFORGE_SERVICES__TRAINING__METRICS_PORT: String(training.ports.metrics),
      NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: registryPort,
      NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: inferencePort,
      NEUROFORGE_SERVICES__EMBEDDINGS__GRPC_PORT: embeddingsPort,
    });
    const gateway = await bootstrapService(GATEWAY_SERVICE);
    // Progress must reach the watchers through Kafka, so the consumer runs before any job starts.
    await (gateway.app as NestFastifyApplication).get(TrainingEventsConsumer).ready();
    return {
      url: `http://127.0.0.1:${httpPort}`,
      gateway,
      auth,
      training,
      adminEmail,
      close: async () => {
        await gateway.shutdown();
        await Promise.all([auth, training].map((p) => p.stop('SIGTERM')));
        await dropDatabases();
        await rm(artifactDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await dropDatabases().catch(() => undefined);
    await rm(artifactDir, { recursive: true, force: true });
    throw error;
  }
}
