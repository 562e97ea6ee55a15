// The gateway in-process in front of real services as processes (auth, model registry, inference from their
// built dist/), each on private ports with a throw-away Mongo database; inference serves a tiny seeded RetNet
// from a local folder as model `tiny`, and a tiny seeded multimodal model (image + audio, concat) as `mm`. Training and embeddings point at closed ports (never started), so their
// routes answer 503.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { writeTinyMultimodalModel, writeTinyRetNetModel } from '@neuroforge/ml/testing';
import { bootstrapService, type RunningService } from '@neuroforge/service-kit';
import { ensureBuilt, freePort, ServiceProcess } from '@neuroforge/service-kit/testing';
import mongoose from 'mongoose';
import { RouteTable } from '../src/edge/route-table';
import { GATEWAY_SERVICE } from '../src/gateway.definition';

// Generous: four Node services start at once, and a busy machine makes that slow.
const READY_TIMEOUT_MS = 90_000;

export const ADMIN_EMAIL_DOMAIN = 'gateway-test.neuroforge.dev';

export interface GatewayStack {
  url: string;
  gateway: RunningService;
  routes: RouteTable;
  auth: ServiceProcess;
  /** A second auth process on the same database whose access tokens live 1 s (expiry tests). */
  shortAuth: ServiceProcess;
  registry: ServiceProcess;
  inference: ServiceProcess;
  adminEmail: string;
  authAddress: string;
  close(): Promise<void>;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function startGatewayStack(gatewayEnv: Record<string, string>): Promise<GatewayStack> {
  for (const name of ['gateway', 'auth', 'model-registry', 'inference'] as const) ensureBuilt(name);
  const id = randomBytes(4).toString('hex');
  const root = await mkdtemp(join(tmpdir(), 'nf-gateway-test-'));
  const modelDir = await writeTinyRetNetModel(join(root, 'tiny-1'), 7, { vocab_size: 272, max_seq_len: 2048 });
  // 16×16 images (16 vision tokens) and 2048-sample 16 kHz clips (15 audio tokens), byte tokenizer.
  const multimodalDir = await writeTinyMultimodalModel(join(root, 'mm-1'), 'concat', 9, { maxSeqLen: 256 });
  const adminEmail = `admin-${id}@${ADMIN_EMAIL_DOMAIN}`;
  const authDb = `nf_test_gw_auth_${id}`;
  const registryDb = `nf_test_gw_registry_${id}`;
  const common = {
    NEUROFORGE_STACK__TRACING_ENABLED: 'false',
    NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
  };
  const authEnv = {
    ...common,
    NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${authDb}`,
    NEUROFORGE_AUTH__BOOTSTRAP_ADMIN_EMAIL: adminEmail,
  };
  const started: ServiceProcess[] = [];
  const track = async (p: Promise<ServiceProcess>) => {
    const process = await p;
    started.push(process);
    return process;
  };
  try {
    return await startAll();
  } catch (error) {
    // Never leave the service processes behind when start-up fails half-way.
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  async function startAll(): Promise<GatewayStack> {
    // Inference resolves models it does not serve locally through the registry, so it gets the registry's port.
    const registry = await track(
      ServiceProcess.start('model-registry', {
        ...common,
        NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${registryDb}`,
        NEUROFORGE_SYSTEM__SEED_DEFAULT_MODEL: 'false',
        NEUROFORGE_SYSTEM__ARTIFACT_DIR: join(root, 'artifacts'),
      }),
    );
    const [auth, inference] = await Promise.all([
      track(ServiceProcess.start('auth', authEnv)),
      track(
        ServiceProcess.start('inference', {
          ...common,
          NF_INFERENCE_MODEL_DIRS: `tiny:1=${modelDir},mm:1=${multimodalDir}`,
          NF_INFERENCE_REDIS_PREFIX: `nf-test-gw-inference-${id}:`,
          NEUROFORGE_INFERENCE__DEFAULT_MODEL: 'tiny',
          NEUROFORGE_SYSTEM__DEVICE: 'cpu',
          NEUROFORGE_SYSTEM__INTRA_OP_THREADS: '1',
          NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: String(registry.ports.grpc),
        }),
      ),
    ]);
    await Promise.all([
      auth.waitForReady(200, READY_TIMEOUT_MS),
      registry.waitForReady(200, READY_TIMEOUT_MS),
      inference.waitForReady(200, READY_TIMEOUT_MS),
    ]);
    // Started after the first so that both use the signing key the first one created in the shared database.
    const shortAuth = await track(
      ServiceProcess.start('auth', { ...authEnv, NEUROFORGE_AUTH__ACCESS_TOKEN_TTL_SECONDS: '1' }),
    );
    await shortAuth.waitForReady(200, READY_TIMEOUT_MS);

    const [httpPort, metricsPort, trainingPort, embeddingsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    Object.assign(process.env, {
      ...common,
      NEUROFORGE_SERVICES__GATEWAY__HTTP_PORT: String(httpPort),
      NEUROFORGE_SERVICES__GATEWAY__METRICS_PORT: String(metricsPort),
      NEUROFORGE_SERVICES__AUTH__GRPC_PORT: String(auth.ports.grpc),
      NEUROFORGE_SERVICES__AUTH__METRICS_PORT: String(auth.ports.metrics),
      NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: String(registry.ports.grpc),
      NEUROFORGE_SERVICES__MODEL_REGISTRY__METRICS_PORT: String(registry.ports.metrics),
      NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: String(inference.ports.grpc),
      NEUROFORGE_SERVICES__INFERENCE__METRICS_PORT: String(inference.ports.metrics),
      NEUROFORGE_SERVICES__TRAINING__GRPC_PORT: String(trainingPort),
      NEUROFORGE_SERVICES__EMBEDDINGS__GRPC_PORT: String(embeddingsPort),
      ...gatewayEnv,
    });
    const gateway = await bootstrapService(GATEWAY_SERVICE);
    const app = gateway.app as NestFastifyApplication;
    return {
      url: `http://127.0.0.1:${httpPort}`,
      gateway,
      routes: app.get(RouteTable),
      auth,
      shortAuth,
      registry,
      inference,
      adminEmail,
      authAddress: auth.grpcAddress,
      close: async () => {
        await gateway.shutdown();
        await Promise.all([auth, shortAuth, registry, inference].map((p) => p.stop('SIGTERM')));
        for (const db of [authDb, registryDb]) {
          const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
          await connection.dropDatabase().catch(() => undefined);
          await connection.close();
        }
        await rm(root, { recursive: true, force: true });
      },
    };
  }
}
