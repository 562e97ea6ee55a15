// Test support: the embeddings service in-process on private ports against the local stack, with tiny
// seeded-random RetNets in local folders (`tiny` versions 1 and 2, 32 dimensions; `wide` version 1, 64), its own
// PostgreSQL schema, MongoDB database and Kafka topics, all removed by close().
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type Metadata,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { type embeddings, grpcPackageOptions, loadGrpcPackageDefinition } from '@neuroforge/contracts';
import { deleteTopics, type EventEnvelope, ensureTopics, toKafkaMessage } from '@neuroforge/events';
import { initRetNetWeights, parseRetNetConfig, saveModel } from '@neuroforge/ml';
import { bootstrapService, type RunningService } from '@neuroforge/service-kit';
import { dropMongoDatabase, freePort } from '@neuroforge/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { AppModule } from '../src/app.module';
import { ReembedCollectionsJob } from '../src/application/reembed/reembed-collections.job';
import { ModelEventsConsumer } from '../src/interface/model-events.consumer';

export const TINY_DIM = 32;

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function writeModel(dir: string, seed: number, embedDim: number): Promise<string> {
  const config = parseRetNetConfig({
    vocab_size: 259,
    embed_dim: embedDim,
    num_heads: 4,
    num_layers: 2,
    ffn_dim: 64,
    max_seq_len: 512,
    tokenizer: 'byte',
  });
  await saveModel(dir, { config, weights: initRetNetWeights(config, seed, { randomAffine: true }) });
  return dir;
}

export interface CallError extends Error {
  code: number;
  details: string;
  metadata: Metadata;
}

type Unary = (req: unknown, cb: (error: CallError | null, value: unknown) => void) => void;

/** A plain grpc-js client of EmbeddingsService with the contract's loader options. */
export class EmbeddingsClient {
  private readonly client: Record<string, Unary> & { close(): void };

  constructor(address: string) {
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('embeddings')) as GrpcObject;
    const v1 = ((pkg.neuroforge as GrpcObject).embeddings as GrpcObject).v1 as GrpcObject;
    const Client = v1.EmbeddingsService as ServiceClientConstructor;
    this.client = new Client(address, credentials.createInsecure()) as never;
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
      (this.client[method] as Unary).call(this.client, request, (e, v) => (e ? reject(e) : resolve(v as T))),
    );
  }

  embed = (r: Partial<embeddings.EmbedRequest>) => this.call<embeddings.EmbedResponse>('embed', r);
  createCollection = (r: Partial<embeddings.CreateCollectionRequest>) =>
    this.call<embeddings.CreateCollectionResponse>('createCollection', r);
  getCollection = (name: string) => this.call<embeddings.GetCollectionResponse>('getCollection', { name });
  listCollections = (r: Partial<embeddings.ListCollectionsRequest>) =>
    this.call<embeddings.ListCollectionsResponse>('listCollections', r);
  deleteCollection = (name: string) => this.call<embeddings.DeleteCollectionResponse>('deleteCollection', { name });
  upsert = (r: Partial<embeddings.UpsertRequest>) => this.call<embeddings.UpsertResponse>('upsert', r);
  search = (r: Partial<embeddings.SearchRequest>) => this.call<embeddings.SearchResponse>('search', r);
  delete = (r: Partial<embeddings.DeleteRequest>) => this.call<embeddings.DeleteResponse>('delete', r);

  close(): void {
    this.client.close();
  }
}

/** The rejection of a call that must fail. */
export async function rejected(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    return error as CallError;
  }
  throw new Error('the call succeeded');
}

export const errorCode = (e: CallError): string => String(e.metadata.get('neuroforge-error-code')[0] ?? '');

export interface EmbeddingsHarness {
  service: RunningService;
  client: EmbeddingsClient;
  address: string;
  kafka: Kafka;
  eventsTopic: string;
  jobs: ReembedCollectionsJob;
  /** Publishes a model-registry event on this harness's models topic. */
  publishModelEvent<D extends object>(type: string, data: D, streamVersion: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEmbeddings(env: Record<string, string> = {}): Promise<EmbeddingsHarness> {
  const root = await mkdtemp(join(tmpdir(), 'nf-embeddings-test-'));
  const [v1, v2, wide] = await Promise.all([
    writeModel(join(root, 'tiny-1'), 11, TINY_DIM),
    writeModel(join(root, 'tiny-2'), 22, TINY_DIM),
    writeModel(join(root, 'wide-1'), 33, 64),
  ]);
  const id = randomBytes(4).toString('hex');
  const modelsTopic = `nf-test-emb-models-${id}`;
  const eventsTopic = `nf-test-emb-events-${id}`;
  const schema = `nf_test_emb_${id}`;
  const mongoUrl = `mongodb://127.0.0.1:27017/nf_test_emb_${id}`;
  const kafka = new Kafka({ clientId: `nf-test-emb-${id}`, brokers: ['127.0.0.1:9092'], logLevel: logLevel.ERROR });
  await ensureTopics(kafka, [modelsTopic, eventsTopic]);
  const [grpcPort, metricsPort, closedPort] = [await freePort(), await freePort(), await freePort()];
  Object.assign(process.env, {
    NF_EMBEDDINGS_MODEL_DIRS: `tiny:1=${v1},tiny:2=${v2},tiny@latest=1,wide:1=${wide}`,
    NF_EMBEDDINGS_DEFAULT_MODEL: 'tiny',
    NF_EMBEDDINGS_PG_SCHEMA: schema,
    NEUROFORGE_STACK__MONGO_URL: mongoUrl,
    NF_EMBEDDINGS_EVENTS_TOPIC: eventsTopic,
    NF_EMBEDDINGS_MODELS_TOPIC: modelsTopic,
    NEUROFORGE_SYSTEM__DEVICE: 'cpu',
    NEUROFORGE_SYSTEM__INTRA_OP_THREADS: '1',
    NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
    NEUROFORGE_STACK__TRACING_ENABLED: 'false',
    NEUROFORGE_SERVICES__EMBEDDINGS__GRPC_PORT: String(grpcPort),
    NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: String(closedPort),
    NEUROFORGE_SERVICES__EMBEDDINGS__METRICS_PORT: String(metricsPort),
    NEUROFORGE_SERVICES__EMBEDDINGS__HTTP_PORT: String(metricsPort),
    ...env,
  });
  const service = await bootstrapService({
    name: 'embeddings',
    module: AppModule,
    dependencies: ['mongo', 'postgres', 'kafka'],
    grpc: () => grpcPackageOptions('embeddings'),
  });
  await service.app.get(ModelEventsConsumer).ready();
  const address = `127.0.0.1:${grpcPort}`;
  const client = new EmbeddingsClient(address);
  return {
    service,
    client,
    address,
    kafka,
    eventsTopic,
    jobs: service.app.get(ReembedCollectionsJob),
    publishModelEvent: async (type, data, streamVersion) => {
      const envelope: EventEnvelope<typeof data> = {
        specversion: '1.0',
        id: randomUUID(),
        source: 'neuroforge/model-registry',
        type,
        subject: 'model-tiny',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        streamversion: streamVersion,
        data,
      };
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: modelsTopic, messages: [toKafkaMessage(envelope)] });
      await producer.disconnect();
    },
    close: async () => {
      client.close();
      await service.shutdown();
      const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/neuroforge', max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pool.end();
      await dropMongoDatabase(mongoUrl).catch(() => undefined);
      await deleteTopics(kafka, [modelsTopic, eventsTopic, `${modelsTopic}.dlq`]).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
