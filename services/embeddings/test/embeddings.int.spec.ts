// The embeddings service end to end over gRPC, in-process on the local stack: Embed (padded batches equal single
// texts), collections, upsert → search, filters, deletes, idempotent writes, errors with stable codes, the
// published events and re-embedding when the followed alias moves.
import { status } from '@grpc/grpc-js';
import { fromKafkaMessage } from '@neuroforge/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingsHarness, errorCode, rejected, startEmbeddings, TINY_DIM, unique } from './embeddings-fixture';

let h: EmbeddingsHarness;

beforeAll(async () => {
  h = await startEmbeddings();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));

const PASSAGES = [
  {
    id: 'p1',
    text: 'The retention mechanism replaces attention with a decaying recurrence.',
    metadata: { lang: 'en', year: 2023 },
  },
  { id: 'p2', text: 'PostgreSQL stores vectors with the pgvector extension.', metadata: { lang: 'en', year: 2021 } },
  { id: 'p3', text: 'Der Hafen von Hamburg ist groß.', metadata: { lang: 'de', year: 1999 } },
  { id: 'p4', text: 'Kafka keeps events in partitions, in order per key.', metadata: { lang: 'en', year: 2011 } },
  { id: 'p5', text: 'Berlin hat viele Museen und Parks.', metadata: { lang: 'de', year: 2005 } },
];

async function collectionWithPassages(distance = 'DISTANCE_COSINE') {
  const name = unique('docs');
  await h.client.createCollection({ name, model: 'tiny', dimension: TINY_DIM, distance: distance as never });
  await h.client.upsert({ collection: name, documents: PASSAGES.map((p) => ({ ...p, vector: null })) });
  return name;
}

describe('Embed', () => {
  it('returns one unit vector per text from the named model version, a padded batch equal to single texts', async () => {
    const texts = ['a', 'a somewhat longer text that pads the others', 'mid-length text'];
    const batch = await h.client.embed({ model: 'tiny', texts, normalize: true });
    expect(batch.model).toBe('tiny:1');
    expect(batch.dimension).toBe(TINY_DIM);
    expect(batch.promptTokens).toBe(texts.reduce((n, t) => n + t.length, 0));
    expect(batch.vectors).toHaveLength(3);
    for (const [i, text] of texts.entries()) {
      const values = batch.vectors[i]?.values as number[];
      expect(norm(values)).toBeCloseTo(1, 5);
      const single = await h.client.embed({ model: 'tiny', texts: [text], normalize: true });
      expect(maxDiff(values, single.vectors[0]?.values as number[])).toBeLessThan(1e-5);
    }
    const raw = await h.client.embed({ model: 'tiny:2', texts: ['a'], normalize: false });
    expect(raw.model).toBe('tiny:2');
    expect(norm(raw.vectors[0]?.values as number[])).not.toBeCloseTo(1, 3);
  });

  it.each([
    [{ texts: ['ok', '  '] }, status.INVALID_ARGUMENT, 'EMBEDDINGS.EMPTY_TEXT', /texts\[1\] is empty/],
    [{ texts: Array(257).fill('x') }, status.INVALID_ARGUMENT, 'EMBEDDINGS.BATCH_TOO_LARGE', /at most 256/],
    [{ texts: [] }, status.INVALID_ARGUMENT, 'EMBEDDINGS.INVALID_ARGUMENT', /at least one text/],
    [{ texts: ['x'], model: 'tiny:9' }, status.NOT_FOUND, 'EMBEDDINGS.MODEL_NOT_FOUND', /tiny:9/],
    // Not a local model, and the registry (a closed port in this test) does not answer.
    [{ texts: ['x'], model: 'elsewhere' }, status.UNAVAILABLE, 'EMBEDDINGS.MODEL_UNAVAILABLE', /model registry/],
    [{ texts: ['x'], model: 'Bad Name' }, status.INVALID_ARGUMENT, 'EMBEDDINGS.INVALID_ARGUMENT', /model/],
  ])('rejects %# with a stable code', async (request, code, errorName, message) => {
    const error = await rejected(h.client.embed({ model: 'tiny', normalize: true, ...request }));
    expect(error.code).toBe(code);
    expect(errorCode(error)).toBe(errorName);
    expect(error.details).toMatch(message);
  });
});

describe('collections', () => {
  it('creates, gets, lists and deletes a collection; its dimension defaults to the model size', async () => {
    const name = unique('coll');
    const created = await h.client.createCollection({
      name,
      model: 'tiny',
      dimension: 0,
      distance: 'DISTANCE_L2' as never,
    });
    expect(created.collection).toMatchObject({
      name,
      model: 'tiny',
      dimension: TINY_DIM,
      distance: 'DISTANCE_L2',
      modelVersion: 1,
    });
    const got = await h.client.getCollection(name);
    expect(got.collection?.documentCount).toBe('0');
    const listed = await h.client.listCollections({ pageSize: 500 });
    expect(listed.collections.map((c) => c.name)).toContain(name);
    expect((await h.client.deleteCollection(name)).deletedDocuments).toBe('0');
    const gone = await rejected(h.client.getCollection(name));
    expect(gone.code).toBe(status.NOT_FOUND);
    expect(errorCode(gone)).toBe('EMBEDDINGS.COLLECTION_NOT_FOUND');
  });

  it('refuses a duplicate name, a bad name, a dimension the model does not produce and no distance', async () => {
    const name = unique('dup');
    await h.client.createCollection({ name, model: 'tiny', dimension: TINY_DIM, distance: 'DISTANCE_COSINE' as never });
    const dup = await rejected(
      h.client.createCollection({ name, model: 'tiny', dimension: TINY_DIM, distance: 'DISTANCE_COSINE' as never }),
    );
    expect([dup.code, errorCode(dup)]).toEqual([status.ALREADY_EXISTS, 'EMBEDDINGS.COLLECTION_ALREADY_EXISTS']);
    const badName = await rejected(
      h.client.createCollection({ name: 'Bad/Name', distance: 'DISTANCE_COSINE' as never }),
    );
    expect([badName.code, errorCode(badName)]).toEqual([status.INVALID_ARGUMENT, 'EMBEDDINGS.INVALID_ARGUMENT']);
    const dim = await rejected(
      h.client.createCollection({
        name: unique('dim'),
        model: 'tiny',
        dimension: 7,
        distance: 'DISTANCE_COSINE' as never,
      }),
    );
    expect([dim.code, errorCode(dim)]).toEqual([status.INVALID_ARGUMENT, 'EMBEDDINGS.DIMENSION_MISMATCH']);
    const noDistance = await rejected(h.client.createCollection({ name: unique('nodist'), model: 'tiny' }));
    expect(errorCode(noDistance)).toBe('EMBEDDINGS.INVALID_ARGUMENT');
  });

  it('publishes collection events to the embeddings topic', async () => {
    const name = unique('evt');
    await h.client.createCollection({ name, model: 'tiny', distance: 'DISTANCE_COSINE' as never });
    await h.client.upsert({ collection: name, documents: [{ id: 'a', text: 'hello', metadata: null, vector: null }] });
    const consumer = h.kafka.consumer({ groupId: unique('nf-test-emb-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: h.eventsTopic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`events seen: ${seen.join(', ')}`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const envelope = fromKafkaMessage(message);
          if (envelope.subject !== `collection-${name}`) return;
          seen.push(envelope.type);
          if (seen.length === 2) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual([
      'neuroforge.embeddings.collection_created.v1',
      'neuroforge.embeddings.documents_upserted.v1',
    ]);
  });
});

describe('documents and search', () => {
  it('finds each document first when searching for its own text', async () => {
    const name = await collectionWithPassages();
    for (const p of PASSAGES) {
      const { hits } = await h.client.search({ collection: name, text: p.text, topK: 3 });
      expect(hits[0]?.id).toBe(p.id);
      expect(hits[0]?.score).toBeCloseTo(1, 4);
      expect(hits[0]).toMatchObject({ text: p.text, metadata: p.metadata });
    }
  });

  it('filters by equality and numeric range in the same query', async () => {
    const name = await collectionWithPassages();
    const german = await h.client.search({ collection: name, text: 'Stadt', topK: 10, filter: { lang: 'de' } });
    expect(german.hits.map((x) => x.id).sort()).toEqual(['p3', 'p5']);
    const recent = await h.client.search({
      collection: name,
      text: 'data',
      topK: 10,
      filter: { lang: 'en', year: { gte: 2015 } },
    });
    expect(recent.hits.map((x) => x.id).sort()).toEqual(['p1', 'p2']);
    const bad = await rejected(h.client.search({ collection: name, text: 'x', filter: { year: { near: 1 } } }));
    expect([bad.code, errorCode(bad)]).toEqual([status.INVALID_ARGUMENT, 'EMBEDDINGS.INVALID_FILTER']);
  });

  it('keeps one document per id when the same documents are upserted again', async () => {
    const name = await collectionWithPassages();
    await h.client.upsert({ collection: name, documents: PASSAGES.map((p) => ({ ...p, vector: null })) });
    await h.client.upsert({
      collection: name,
      documents: [
        { id: 'p1', text: 'Replaced text about retention.', metadata: { lang: 'en', year: 2024 }, vector: null },
      ],
    });
    expect((await h.client.getCollection(name)).collection?.documentCount).toBe('5');
    const { hits } = await h.client.search({ collection: name, text: 'Replaced text about retention.', topK: 1 });
    expect(hits[0]).toMatchObject({ id: 'p1', metadata: { lang: 'en', year: 2024 } });
  });

  it('deletes by id and by filter', async () => {
    const name = await collectionWithPassages();
    expect((await h.client.delete({ collection: name, ids: { ids: ['p1', 'missing'] } })).deletedCount).toBe('1');
    expect((await h.client.delete({ collection: name, filter: { lang: 'de' } })).deletedCount).toBe('2');
    const { hits } = await h.client.search({ collection: name, text: 'anything', topK: 10 });
    expect(hits.map((x) => x.id).sort()).toEqual(['p2', 'p4']);
  });

  it('searches by vector with a score threshold and returns stored vectors on request', async () => {
    const name = unique('vec');
    await h.client.createCollection({ name, model: 'tiny', distance: 'DISTANCE_INNER_PRODUCT' as never });
    const unit = (i: number) => Array.from({ length: TINY_DIM }, (_, k) => (k === i ? 1 : 0));
    await h.client.upsert({
      collection: name,
      documents: [0, 1, 2].map((i) => ({
        id: `v${i}`,
        text: `axis ${i}`,
        metadata: null,
        vector: { values: unit(i) },
      })),
    });
    const query = unit(0).map((x, k) => x + (k === 1 ? 0.5 : 0));
    const out = await h.client.search({
      collection: name,
      vector: { values: query },
      topK: 3,
      scoreThreshold: 0.4,
      includeVectors: true,
      efSearch: 64,
    });
    expect(out.hits.map((x) => [x.id, x.score])).toEqual([
      ['v0', 1],
      ['v1', 0.5],
    ]);
    expect(out.hits[0]?.vector?.values).toEqual(unit(0));
    expect(out.searchTimeMs).toBeGreaterThan(0);
  });

  it('rejects vectors of the wrong dimension, empty texts, unknown collections and oversized batches', async () => {
    const name = await collectionWithPassages();
    const wrong = await rejected(
      h.client.upsert({
        collection: name,
        documents: [{ id: 'x', text: 'x', metadata: null, vector: { values: [1, 2] } }],
      }),
    );
    expect([wrong.code, errorCode(wrong)]).toEqual([status.INVALID_ARGUMENT, 'EMBEDDINGS.DIMENSION_MISMATCH']);
    expect(wrong.details).toMatch(/documents\[0\]\.vector has 2 dimensions/);
    const query = await rejected(h.client.search({ collection: name, vector: { values: [1] } }));
    expect(errorCode(query)).toBe('EMBEDDINGS.DIMENSION_MISMATCH');
    const empty = await rejected(
      h.client.upsert({ collection: name, documents: [{ id: 'e', text: '', metadata: null, vector: null }] }),
    );
    expect(errorCode(empty)).toBe('EMBEDDINGS.EMPTY_TEXT');
    const unknown = await rejected(h.client.search({ collection: unique('nothing'), text: 'x' }));
    expect([unknown.code, errorCode(unknown)]).toEqual([status.NOT_FOUND, 'EMBEDDINGS.COLLECTION_NOT_FOUND']);
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, text: 'x', metadata: null, vector: null }));
    const big = await rejected(h.client.upsert({ collection: name, documents: many }));
    expect(errorCode(big)).toBe('EMBEDDINGS.BATCH_TOO_LARGE');
  });
});

describe('re-embedding', () => {
  it('embeds a collection again when its model alias moves, with progress visible on the collection', async () => {
    const name = await collectionWithPassages();
    const before = await h.client.search({ collection: name, text: PASSAGES[0]?.text, topK: 1, includeVectors: true });
    await h.publishModelEvent(
      'neuroforge.models.alias_moved.v1',
      { modelName: 'tiny', alias: 'latest', version: 2 },
      1,
    );
    const deadline = Date.now() + 20_000;
    let collection = (await h.client.getCollection(name)).collection;
    while (collection?.reembedding?.state !== 'REEMBEDDING_STATE_COMPLETED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      collection = (await h.client.getCollection(name)).collection;
    }
    expect(collection).toMatchObject({
      modelVersion: 2,
      documentCount: '5',
      reembedding: {
        state: 'REEMBEDDING_STATE_COMPLETED',
        fromVersion: 1,
        toVersion: 2,
        processedDocuments: '5',
        totalDocuments: '5',
      },
    });
    const after = await h.client.search({ collection: name, text: PASSAGES[0]?.text, topK: 1, includeVectors: true });
    expect(after.hits[0]?.id).toBe('p1');
    // Version 2's vector for the same text differs from version 1's: the documents really were embedded again.
    expect(
      maxDiff(after.hits[0]?.vector?.values as number[], before.hits[0]?.vector?.values as number[]),
    ).toBeGreaterThan(1e-3);
    const v2 = await h.client.embed({ model: 'tiny:2', texts: [PASSAGES[0]?.text as string], normalize: true });
    expect(maxDiff(after.hits[0]?.vector?.values as number[], v2.vectors[0]?.values as number[])).toBeLessThan(1e-5);
  });
});
