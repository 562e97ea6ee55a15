// Test support: the inference service in-process on private ports against the local stack, serving tiny
// seeded-random RetNets written to a temp folder with the engine. Each test file gets its own topics, Redis key
// prefix and consumer group, so files run side by side.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { grpcPackageOptions, type inference, loadGrpcPackageDefinition } from '@neuroforge/contracts';
import { deleteTopics, ensureTopics } from '@neuroforge/events';
import { writeTinyRetNetModel } from '@neuroforge/ml/testing';
import { bootstrapService, type RunningService } from '@neuroforge/service-kit';
import { freePort } from '@neuroforge/service-kit/testing';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { AppModule } from '../src/app.module';
import type { ModelServing } from '../src/application/model-serving';
import { parseModelRef } from '../src/domain/model-ref';
import { DefaultModelLoader } from '../src/interface/default-model.loader';
import { ModelEventsConsumer } from '../src/interface/model-events.consumer';
import { MODEL_SERVING } from '../src/interface/tokens';

/** The served tiny RetNet: the engine's tiny test config with a 272-token vocabulary and a 2048-token context. */
const TINY_MODEL = { vocab_size: 272, max_seq_len: 2048 } as const;

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface InferenceHarness {
  service: RunningService;
  client: InferenceClient;
  serving: ModelServing;
  kafka: Kafka;
  modelsTopic: string;
  eventsTopic: string;
  redisPrefix: string;
  /** Folders of tiny versions 1 and 2. */
  modelDirs: string[];
  metrics(): Promise<string>;
  /** Deletes this test's response-cache keys from Redis. */
  clearResponseCache(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the service with model `tiny` (versions 1 and 2 as local folders, `tiny@latest` at version 1) as its
 * default model; `env` adds or overrides NEUROFORGE_* settings; `models` maps more local folders
 * (`name:version` → folder, written by the test).
 */
export async function startInference(
  env: Record<string, string> = {},
  options: { waitForDefaultModel?: boolean; models?: Record<string, string> } = {},
): Promise<InferenceHarness> {
  const root = await mkdtemp(join(tmpdir(), 'nf-inference-test-'));
  const v1 = await writeTinyRetNetModel(join(root, 'tiny-1'), 11, TINY_MODEL);
  const v2 = await writeTinyRetNetModel(join(root, 'tiny-2'), 22, TINY_MODEL);
  const modelsTopic = unique('nf-test-models-events');
  const eventsTopic = unique('nf-test-inference-events');
  const redisPrefix = `${unique('nf-test-inference')}:`;
  const kafka = new Kafka({
    clientId: unique('nf-test-inference'),
    brokers: ['127.0.0.1:9092'],
    logLevel: logLevel.ERROR,
  });
  await ensureTopics(kafka, [modelsTopic, eventsTopic]);
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  Object.assign(process.env, {
    NF_INFERENCE_MODEL_DIRS: [
      `tiny:1=${v1},tiny:2=${v2},tiny@latest=1`,
      ...Object.entries(options.models ?? {}).map(([key, dir]) => `${key}=${dir}`),
    ].join(','),
    NF_INFERENCE_MODELS_TOPIC: modelsTopic,
    NF_INFERENCE_EVENTS_TOPIC: eventsTopic,
    NF_INFERENCE_REDIS_PREFIX: redisPrefix,
    NEUROFORGE_INFERENCE__DEFAULT_MODEL: 'tiny',
    NEUROFORGE_SYSTEM__DEVICE: 'cpu',
    NEUROFORGE_SYSTEM__INTRA_OP_THREADS: '1',
    NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
    NEUROFORGE_STACK__TRACING_ENABLED: 'false',
    NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: String(grpcPort),
    NEUROFORGE_SERVICES__INFERENCE__METRICS_PORT: String(metricsPort),
    NEUROFORGE_SERVICES__INFERENCE__HTTP_PORT: String(metricsPort),
    ...env,
  });
  const service = await bootstrapService({
    name: 'inference',
    module: AppModule,
    dependencies: ['kafka', 'redis'],
    grpc: () => grpcPackageOptions('inference'),
  });
  if (options.waitForDefaultModel ?? true) await service.app.get(DefaultModelLoader).whenLoaded();
  await service.app.get(ModelEventsConsumer).ready();
  const client = new InferenceClient(`127.0.0.1:${grpcPort}`);
  const redis = new Redis('redis://127.0.0.1:6379');
  return {
    service,
    client,
    serving: service.app.get<ModelServing>(MODEL_SERVING),
    kafka,
    modelsTopic,
    eventsTopic,
    redisPrefix,
    modelDirs: [v1, v2],
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    clearResponseCache: async () => {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length) await redis.del(...keys);
    },
    close: async () => {
      await redis.keys(`${redisPrefix}*`).then((keys) => (keys.length ? redis.del(...keys) : 0));
      redis.disconnect();
      client.close();
      await service.shutdown();
      await deleteTopics(kafka, [modelsTopic, eventsTopic, `${modelsTopic}.dlq`]).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The scheduler currently serving `ref` (tests watch its steps). */
export function schedulerOf(serving: ModelServing, ref = 'tiny') {
  const instance = serving.routed(parseModelRef(ref, 'tiny'));
  if (!instance) throw new Error(`${ref} is not routed`);
  return instance.scheduler;
}

export interface CallError extends Error {
  code: number;
  details: string;
  metadata: Metadata;
}

type Callback<T> = (error: CallError | null, value: T) => void;

/** A plain grpc-js client of InferenceService with the contract's loader options. */
export class InferenceClient {
  private readonly client: {
    generate(
      req: unknown,
      md: Metadata,
      cb: Callback<inference.GenerateResponse>,
    ): { on(e: string, f: (m: Metadata) => void): void };
    generateStream(req: unknown, md: Metadata): NodeJS.EventEmitter & { cancel(): void };
    info(req: unknown, cb: Callback<inference.InfoResponse>): void;
    modelHealth(req: unknown, cb: Callback<inference.ModelHealthResponse>): void;
    close(): void;
  };

  constructor(address: string) {
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('inference')) as GrpcObject;
    const v1 = ((pkg.neuroforge as GrpcObject).inference as GrpcObject).v1 as GrpcObject;
    const Client = v1.InferenceService as ServiceClientConstructor;
    this.client = new Client(address, credentials.createInsecure()) as never;
  }

  /** Unary Generate; also returns the initial metadata (response-cache hit or miss). */
  generate(request: Partial<inference.GenerateRequest>): Promise<inference.GenerateResponse & { cache: string }> {
    return new Promise((resolve, reject) => {
      let cache = '';
      const call = this.client.generate(request, new Metadata(), (error, value) =>
        error ? reject(error) : resolve({ ...value, cache }),
      );
      call.on('metadata', (m) => {
        cache = String(m.get('neuroforge-response-cache')[0] ?? '');
      });
    });
  }

  /** Starts a stream; `messages` collects what arrives, `done` settles at its end. */
  stream(request: Partial<inference.GenerateStreamRequest>): {
    messages: inference.GenerateStreamResponse[];
    done: Promise<inference.GenerateStreamResponse[]>;
    cancel(): void;
  } {
    const call = this.client.generateStream(request, new Metadata());
    const messages: inference.GenerateStreamResponse[] = [];
    const done = new Promise<inference.GenerateStreamResponse[]>((resolve, reject) => {
      call.on('data', (m: inference.GenerateStreamResponse) => messages.push(m));
      call.on('end', () => resolve(messages));
      call.on('error', reject);
    });
    done.catch(() => undefined); // a test that cancels may never await it
    return { messages, done, cancel: () => call.cancel() };
  }

  info(): Promise<inference.InfoResponse> {
    return new Promise((resolve, reject) => this.client.info({}, (e, v) => (e ? reject(e) : resolve(v))));
  }

  modelHealth(model: string): Promise<inference.ModelHealthResponse> {
    return new Promise((resolve, reject) => this.client.modelHealth({ model }, (e, v) => (e ? reject(e) : resolve(v))));
  }

  close(): void {
    this.client.close();
  }
}

/** Text of a finished stream: the concatenated token chunks. */
export function streamedText(messages: inference.GenerateStreamResponse[]): string {
  return messages.map((m) => m.token?.text ?? '').join('');
}

export function streamedIds(messages: inference.GenerateStreamResponse[]): number[] {
  return messages.flatMap((m) => m.token?.tokenIds ?? []);
}

export const greedy = (maxNewTokens: number, extra: Partial<inference.GenerationParameters> = {}) => ({
  maxNewTokens,
  temperature: 0,
  topK: 0,
  stop: [],
  ...extra,
});
