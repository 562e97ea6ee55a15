// A real grpc-js server and client on 127.0.0.1, loaded with the shared loader options, prove that the
// generated types describe what @grpc/proto-loader actually delivers on both sides of a call: int64 as strings,
// enums as names, unset messages as null, oneof and `optional` members only when set, bytes as Buffer,
// google.protobuf.Struct as a plain object. toStrictEqual fails on any extra key (e.g. a oneof discriminator).
import {
  Client,
  credentials,
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as embeddings from './generated/neuroforge/embeddings/v1/embeddings';
import * as inference from './generated/neuroforge/inference/v1/inference';
import * as models from './generated/neuroforge/models/v1/models';
import { GRPC_SERVICES, type GrpcContext, loadGrpcPackageDefinition } from './grpc-options';

const definition = loadGrpcPackageDefinition('models', 'embeddings', 'inference');

function serviceOf(context: GrpcContext): ServiceDefinition {
  const { package: pkg, service } = GRPC_SERVICES[context];
  return definition[`${pkg}.${service}`] as ServiceDefinition;
}

function methodOf<Req, Res>(context: GrpcContext, name: string): MethodDefinition<Req, Res> {
  return serviceOf(context)[name] as MethodDefinition<Req, Res>;
}

/** What the server saw, per method, so tests can compare it with what the client sent. */
const received: Record<string, unknown[]> = {};
function record(method: string, request: unknown): void {
  const list = received[method] ?? [];
  list.push(request);
  received[method] = list;
}

const ARTIFACT: models.Artifact = {
  name: 'model.safetensors',
  sha256: 'ab'.repeat(32),
  // 2^53 + 1: not representable as a JS number, so a string is the only lossless form.
  sizeBytes: '9007199254740993',
  kind: models.ArtifactKind.ARTIFACT_KIND_SAFETENSORS,
  uri: 'file:///var/lib/neuroforge/artifacts/ab',
};

const VERSION: models.ModelVersion = {
  modelName: 'tiny-retnet',
  version: 3,
  architecture: models.Architecture.ARCHITECTURE_MOE_RETNET,
  artifacts: [ARTIFACT],
  tokenizerId: 'byte',
  configJson: '{"num_layers":2}',
  // final_loss is `optional` and unset here, so the key must be absent after the round trip.
  lineage: { source: models.LineageSource.LINEAGE_SOURCE_UPLOAD, trainingJobId: '', datasetSha256: '', baseModel: '' },
  aliases: ['latest'],
  createdAt: { seconds: '1700000000', nanos: 5 },
};

const HIT: embeddings.SearchHit = {
  id: 'doc-1',
  text: 'retention is all you need',
  metadata: { lang: 'en', year: 2023, tags: ['retnet', 1, true, null], nested: { ok: false } },
  score: 0.75,
  vector: { values: [0.5, -0.25] },
};

const STREAM: inference.GenerateStreamResponse[] = [
  {
    prompt: {
      requestId: 'req-1',
      promptTokens: 3,
      prefixCacheHit: true,
      queueTimeMs: 0.5,
      model: { name: 'tiny-retnet', version: 3, alias: 'latest', executionProvider: 'cpu' },
    },
  },
  { token: { text: 'he', tokenIds: [104, 101] } },
  { token: { text: '', tokenIds: [] } },
  {
    end: {
      finishReason: inference.FinishReason.FINISH_REASON_LENGTH,
      timings: { queueTimeMs: 0.5, timeToFirstTokenMs: 1.25, generationTimeMs: 2.5, tokensGenerated: 2 },
    },
  },
];

let server: Server;
let client: Client;

beforeAll(async () => {
  server = new Server();
  server.addService(serviceOf('models'), {
    RegisterVersion(
      call: ServerUnaryCall<models.RegisterVersionRequest, models.RegisterVersionResponse>,
      callback: sendUnaryData<models.RegisterVersionResponse>,
    ) {
      record('RegisterVersion', call.request);
      callback(null, { version: VERSION });
    },
  });
  server.addService(serviceOf('embeddings'), {
    Search(
      call: ServerUnaryCall<embeddings.SearchRequest, embeddings.SearchResponse>,
      callback: sendUnaryData<embeddings.SearchResponse>,
    ) {
      record('Search', call.request);
      callback(null, { hits: [HIT, { id: 'doc-2', text: '', score: 0.5 }], searchTimeMs: 1.5 });
    },
  });
  server.addService(serviceOf('inference'), {
    GenerateStream(call: ServerWritableStream<inference.GenerateStreamRequest, inference.GenerateStreamResponse>) {
      record('GenerateStream', call.request);
      for (const message of STREAM) call.write(message);
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
});

function unary<Req, Res>(context: GrpcContext, name: string, request: Req): Promise<Res> {
  const method = methodOf<Req, Res>(context, name);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, (e, r) =>
      e || r === undefined ? reject(e) : resolve(r),
    ),
  );
}

describe('unary RPC (ModelRegistryService.RegisterVersion)', () => {
  it('delivers a full request exactly as typed: int64 as string, enums by name, optional double present', async () => {
    const request: models.RegisterVersionRequest = {
      modelName: 'tiny-retnet',
      artifacts: [ARTIFACT],
      tokenizerId: 'byte',
      configJson: '{"num_layers":2}',
      lineage: {
        source: models.LineageSource.LINEAGE_SOURCE_TRAINING_JOB,
        trainingJobId: 'job-1',
        datasetSha256: 'cd'.repeat(32),
        finalLoss: 0,
        baseModel: '',
      },
      aliases: ['latest', 'production'],
    };
    await unary('models', 'RegisterVersion', request);
    // finalLoss 0 survives because `optional` fields carry presence.
    expect(received.RegisterVersion?.at(-1)).toStrictEqual(request);
  });

  it('fills defaults on a sparse request: scalars zero, repeated [], unset message null', async () => {
    await unary('models', 'RegisterVersion', { modelName: 'sparse' });
    const expected: models.RegisterVersionRequest = {
      modelName: 'sparse',
      artifacts: [],
      tokenizerId: '',
      configJson: '',
      lineage: null,
      aliases: [],
    };
    expect(received.RegisterVersion?.at(-1)).toStrictEqual(expected);
  });

  it('returns the response as typed: nested Timestamp with string seconds, unset optional absent', async () => {
    const response = await unary<models.RegisterVersionRequest, models.RegisterVersionResponse>(
      'models',
      'RegisterVersion',
      { modelName: 'tiny-retnet' } as models.RegisterVersionRequest,
    );
    expect(response).toStrictEqual({ version: VERSION });
    expect(response.version?.lineage && 'finalLoss' in response.version.lineage).toBe(false);
  });
});

describe('unary RPC (EmbeddingsService.Search): oneof and google.protobuf.Struct', () => {
  it('delivers the chosen oneof member only, and Struct as a plain JSON object', async () => {
    const request: embeddings.SearchRequest = {
      collection: 'papers',
      text: 'retnet',
      topK: 5,
      filter: { lang: 'en', year: 2023, tags: ['a', 2, false, null], nested: { deep: { ok: true } } },
      scoreThreshold: 0.25,
      includeVectors: true,
    };
    await unary('embeddings', 'Search', request);
    const seen = received.Search?.at(-1) as embeddings.SearchRequest;
    expect(seen).toStrictEqual(request);
    expect('vector' in seen).toBe(false);
    expect('efSearch' in seen).toBe(false);
  });

  it('delivers the other oneof member (a message) when that one is set', async () => {
    const request: embeddings.SearchRequest = {
      collection: 'papers',
      vector: { values: [1, 0.5] },
      topK: 0,
      filter: null,
      efSearch: 40,
      includeVectors: false,
    };
    await unary('embeddings', 'Search', request);
    expect(received.Search?.at(-1)).toStrictEqual(request);
  });

  it('returns Struct metadata as a plain object and unset Struct/message fields as null', async () => {
    const response = await unary<embeddings.SearchRequest, embeddings.SearchResponse>('embeddings', 'Search', {
      collection: 'papers',
      text: 'x',
    } as embeddings.SearchRequest);
    const expected: embeddings.SearchResponse = {
      hits: [HIT, { id: 'doc-2', text: '', metadata: null, score: 0.5, vector: null }],
      searchTimeMs: 1.5,
    };
    expect(response).toStrictEqual(expected);
  });
});

describe('server-streaming RPC (InferenceService.GenerateStream)', () => {
  it('delivers multimodal oneof inputs (text | bytes) and presence-tracked parameters as typed', async () => {
    const request: inference.GenerateStreamRequest = {
      requestId: 'req-1',
      model: 'tiny-retnet@latest',
      prompt: 'hello',
      inputs: [{ text: 'describe' }, { image: Buffer.from([137, 80, 78, 71]) }, { audio: Buffer.from([0, 1]) }],
      parameters: {
        maxNewTokens: 2,
        temperature: 0,
        topK: 0,
        stop: ['\n\n'],
        // The largest uint64: survives only as a string.
        seed: '18446744073709551615',
      },
    };
    await collectStream(request);
    const seen = received.GenerateStream?.at(-1) as inference.GenerateStreamRequest;
    expect(seen).toStrictEqual(request);
    expect(Buffer.isBuffer(seen.inputs[1]?.image)).toBe(true);
    expect(seen.parameters && 'topP' in seen.parameters).toBe(false);
  });

  it('streams prompt stats, token chunks and the end message, each with exactly one oneof member', async () => {
    const messages = await collectStream({ model: 'tiny-retnet' } as inference.GenerateStreamRequest);
    expect(messages).toStrictEqual(STREAM);
    expect(messages.map((message) => Object.keys(message))).toEqual([['prompt'], ['token'], ['token'], ['end']]);
  });
});

function collectStream(request: inference.GenerateStreamRequest): Promise<inference.GenerateStreamResponse[]> {
  const method = methodOf<inference.GenerateStreamRequest, inference.GenerateStreamResponse>(
    'inference',
    'GenerateStream',
  );
  const call = client.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request,
  );
  const messages: inference.GenerateStreamResponse[] = [];
  return new Promise((resolve, reject) => {
    call.on('data', (message: inference.GenerateStreamResponse) => messages.push(message));
    call.on('error', reject);
    call.on('end', () => resolve(messages));
  });
}
