// The embeddings routes of the gateway against a real embeddings service process: the official `openai` client's
// embeddings.create on /v1/embeddings, the REST collection/document/search routes, and RAG (/api/v1/rag) with
// generation on the inference process of the gateway stack.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteTopics } from '@neuroforge/events';
import { writeTinyRetNetModel } from '@neuroforge/ml/testing';
import { ensureBuilt, ServiceProcess } from '@neuroforge/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, register } from './gateway-client';
import { type GatewayStack, startGatewayStack } from './gateway-stack.fixture';

const id = randomBytes(4).toString('hex');
const schema = `nf_test_gw_emb_${id}`;
const prefix = `nf_test_gw_emb_${id}_`;
const eventsTopic = `nf-test-gw-emb-events-${id}`;
let root: string;
let embeddings: ServiceProcess;
let stack: GatewayStack;
let token: string;

beforeAll(async () => {
  ensureBuilt('embeddings');
  root = await mkdtemp(join(tmpdir(), 'nf-gateway-embeddings-'));
  await writeTinyRetNetModel(join(root, 'emb-1'), 5, { vocab_size: 259, max_seq_len: 512 });
  embeddings = await ServiceProcess.start('embeddings', {
    NF_EMBEDDINGS_MODEL_DIRS: `emb:1=${join(root, 'emb-1')}`,
    NF_EMBEDDINGS_DEFAULT_MODEL: 'emb',
    NF_EMBEDDINGS_PG_SCHEMA: schema,
    NF_EMBEDDINGS_MONGO_PREFIX: prefix,
    NF_EMBEDDINGS_EVENTS_TOPIC: eventsTopic,
    NEUROFORGE_STACK__TRACING_ENABLED: 'false',
    NEUROFORGE_SYSTEM__LOG_LEVEL: 'warn',
    NEUROFORGE_SYSTEM__DEVICE: 'cpu',
    NEUROFORGE_SYSTEM__INTRA_OP_THREADS: '1',
  });
  await embeddings.waitForReady(200, 90_000);
  stack = await startGatewayStack({ NEUROFORGE_SERVICES__EMBEDDINGS__GRPC_PORT: String(embeddings.ports.grpc) });
  token = (await register(stack.url, stack.adminEmail)).accessToken;
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await embeddings?.stop('SIGTERM');
  const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/neuroforge', max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await pool.end();
  const mongo = await mongoose.createConnection('mongodb://127.0.0.1:27017/neuroforge').asPromise();
  for (const c of ['events', 'counters', 'leases']) await mongo.db?.dropCollection(`${prefix}${c}`).catch(() => 0);
  await mongo.close();
  const kafka = new Kafka({
    clientId: `nf-test-gw-emb-${id}`,
    brokers: ['127.0.0.1:9092'],
    logLevel: logLevel.NOTHING,
  });
  await deleteTopics(kafka, [eventsTopic]).catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

describe('embeddings through the gateway', () => {
  it('answers the official openai client with one unit vector per input', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const answer = await client.embeddings.create({
      model: 'emb',
      input: ['hello', 'world'],
      encoding_format: 'float',
    });
    expect(answer.data.map((d) => d.index)).toEqual([0, 1]);
    for (const d of answer.data) {
      expect(d.embedding).toHaveLength(32);
      expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 4);
    }
    expect(answer.model).toBe('emb:1');
    expect(answer.usage.prompt_tokens).toBe(10);
  });

  it('creates a collection, upserts, searches with a filter and deletes over REST', async () => {
    const name = `gw-${id}`;
    const created = await call(stack.url, 'POST', '/api/v1/embeddings/collections', {
      token,
      body: { name, model: 'emb', distance: 'cosine' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name, dimension: 32, model_version: 1, distance: 'cosine' });
    const docs = [
      { id: 'a', text: 'Retention decays with distance.', metadata: { lang: 'en' } },
      { id: 'b', text: 'Vektoren in PostgreSQL.', metadata: { lang: 'de' } },
    ];
    const upserted = await call(stack.url, 'POST', `/api/v1/embeddings/collections/${name}/documents`, {
      token,
      body: { documents: docs },
    });
    expect(upserted.body).toEqual({ ids: ['a', 'b'], embedded_count: 2 });
    const found = await call<{ hits: { id: string; score: number }[] }>(
      stack.url,
      'POST',
      `/api/v1/embeddings/collections/${name}/search`,
      { token, body: { text: 'Vektoren in PostgreSQL.', top_k: 2 } },
    );
    expect(found.body.hits[0]?.id).toBe('b');
    expect(found.body.hits[0]?.score).toBeCloseTo(1, 4);
    const filtered = await call<{ hits: { id: string }[] }>(
      stack.url,
      'POST',
      `/api/v1/embeddings/collections/${name}/search`,
      { token, body: { text: 'Vektoren in PostgreSQL.', filter: { lang: 'en' } } },
    );
    expect(filtered.body.hits.map((h) => h.id)).toEqual(['a']);
    const missing = await call<{ error: { code: string } }>(stack.url, 'GET', '/api/v1/embeddings/collections/nope-x', {
      token,
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'EMBEDDINGS.COLLECTION_NOT_FOUND']);
    const deleted = await call(stack.url, 'POST', `/api/v1/embeddings/collections/${name}/documents/delete`, {
      token,
      body: { filter: { lang: 'de' } },
    });
    expect(deleted.body).toEqual({ deleted_count: 1 });
  });

  it('answers a question with retrieved passages in the prompt and lists them', async () => {
    const name = `rag-${id}`;
    await call(stack.url, 'POST', '/api/v1/embeddings/collections', { token, body: { name, distance: 'cosine' } });
    await call(stack.url, 'POST', `/api/v1/embeddings/collections/${name}/documents`, {
      token,
      body: {
        documents: [
          { id: 'kafka', text: 'Kafka keeps events in order within a partition.' },
          { id: 'pg', text: 'pgvector adds HNSW indexes to PostgreSQL.' },
          { id: 'ret', text: 'RetNet decodes with constant memory per token.' },
        ],
      },
    });
    const answer = await call<{
      answer: string;
      model_name: string;
      tokens_generated: number;
      passages: { id: string; used_chars: number; score: number }[];
    }>(stack.url, 'POST', '/api/v1/rag', {
      token,
      body: {
        collection: name,
        query: 'pgvector adds HNSW indexes to PostgreSQL.',
        top_k: 2,
        model: 'tiny',
        max_tokens: 6,
        temperature: 0,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.passages).toHaveLength(2);
    expect(answer.body.passages[0]?.id).toBe('pg');
    expect(answer.body.passages[0]?.used_chars).toBe('pgvector adds HNSW indexes to PostgreSQL.'.length);
    expect(answer.body.model_name).toBe('tiny');
    expect(answer.body.tokens_generated).toBe(6);
    expect(typeof answer.body.answer).toBe('string');
  });
});
