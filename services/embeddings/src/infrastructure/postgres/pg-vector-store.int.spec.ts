// The pgvector store against the local PostgreSQL: HNSW recall against exact search, filters in the same query,
// idempotent writes, deletes, and the re-embedding swap. Each run uses its own schema and drops it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRow } from '../../application/ports/vector-store.port';
import { parseMetadataFilter } from '../../domain/metadata-filter';
import { PgVectorStore } from './pg-vector-store';

const URL = 'postgres://postgres@127.0.0.1:5432/neuroforge';
const schema = `nf_test_emb_${randomBytes(4).toString('hex')}`;
let store: PgVectorStore;

beforeAll(async () => {
  store = new PgVectorStore({ url: URL, schema });
  await store.init();
});

afterAll(async () => {
  await store.dropSchema();
  await store.close();
});

/** Deterministic unit-ish random vectors (xorshift). */
function randomVectors(count: number, dim: number, seed: number): Float32Array[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296) * 2 - 1;
  };
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, next));
}

const collection = (name: string, dimension: number, distance: 'cosine' | 'l2' | 'inner_product' = 'cosine') =>
  store.createCollection({
    name,
    model: 'tiny',
    followsModel: 'tiny',
    followsAlias: 'latest',
    modelVersion: 1,
    dimension,
    distance,
  });

const doc = (id: string, vector: ArrayLike<number>, metadata: DocumentRow['metadata'] = {}): DocumentRow => ({
  id,
  text: `text of ${id}`,
  metadata,
  vector,
  embedded: false,
});

describe('PgVectorStore', () => {
  it('finds ≥ 95% of the exact top 10 with the HNSW index on 10,000 random vectors', async () => {
    const dim = 64;
    await collection('recall', dim);
    const vectors = randomVectors(10_000, dim, 42);
    // Indexed once after the load, as a bulk import does (growing HNSW row by row is far slower).
    const batches = [0, 2000, 4000, 6000, 8000].map((start) =>
      vectors.slice(start, start + 2000).map((v, i) => doc(`d${start + i}`, v)),
    );
    expect((await store.bulkLoad('recall', batches)).rows).toBe(10_000);
    expect(await store.countDocuments('recall')).toBe(10_000);
    const queries = randomVectors(50, dim, 7);
    let found = 0;
    for (const q of queries) {
      const base = { vector: q, topK: 10, filter: [], efSearch: 200, includeVectors: false };
      const exact = await store.search('recall', { ...base, exact: true });
      const approx = await store.search('recall', base);
      expect(exact).toHaveLength(10);
      const truth = new Set(exact.map((h) => h.id));
      found += approx.filter((h) => truth.has(h.id)).length;
    }
    const recall = found / (queries.length * 10);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('scores cosine as similarity, l2 as negative distance and inner product as the dot product', async () => {
    for (const distance of ['cosine', 'l2', 'inner_product'] as const) {
      const name = `score-${distance.replace('_', '-')}`;
      await collection(name, 2, distance);
      await store.upsert(name, [doc('a', [3, 4]), doc('b', [0, 1])]);
      const hits = await store.search(name, {
        vector: [0, 2],
        topK: 2,
        filter: [],
        efSearch: 40,
        includeVectors: true,
      });
      const score = Object.fromEntries(hits.map((h) => [h.id, h.score]));
      if (distance === 'cosine') expect(score).toEqual({ a: expect.closeTo(0.8, 5), b: expect.closeTo(1, 5) });
      if (distance === 'l2') expect(score).toEqual({ a: expect.closeTo(-Math.sqrt(13), 5), b: expect.closeTo(-1, 5) });
      if (distance === 'inner_product') expect(score).toEqual({ a: expect.closeTo(8, 5), b: expect.closeTo(2, 5) });
      expect(hits[0]?.score).toBeGreaterThanOrEqual(hits[1]?.score as number);
      expect(hits.find((h) => h.id === 'a')?.vector).toEqual([3, 4]);
    }
  });

  it('applies equality and range filters in the query, even when they match few documents', async () => {
    const dim = 16;
    await collection('filters', dim);
    const vectors = randomVectors(3000, dim, 3);
    await store.bulkLoad('filters', [
      vectors.map((v, i) => doc(`f${i}`, v, { lang: i % 100 === 0 ? 'de' : 'en', year: 1990 + (i % 40), n: i })),
    ]);
    const search = (filter: unknown) =>
      store.search('filters', {
        vector: randomVectors(1, dim, 9)[0] as Float32Array,
        topK: 10,
        filter: parseMetadataFilter(filter),
        efSearch: 40,
        includeVectors: false,
      });
    // 30 of 3000 are German: a post-filtered index scan of ef_search 40 would return fewer than 10.
    const german = await search({ lang: 'de' });
    expect(german).toHaveLength(10);
    expect(german.every((h) => h.metadata.lang === 'de')).toBe(true);
    const ranged = await search({ lang: 'en', year: { gte: 2020, lt: 2025 } });
    expect(ranged).toHaveLength(10);
    for (const h of ranged) {
      expect(h.metadata.lang).toBe('en');
      expect(h.metadata.year).toBeGreaterThanOrEqual(2020);
      expect(h.metadata.year).toBeLessThan(2025);
    }
    const listed = await search({ n: { in: [5, 6, 7] } });
    expect(listed.map((h) => h.id).sort()).toEqual(['f5', 'f6', 'f7']);
    expect(await search({ missing: { exists: true } })).toHaveLength(0);
  }, 60_000);

  it('replaces a document on a second upsert of its id and deletes by id and by filter', async () => {
    await collection('writes', 3);
    await store.upsert('writes', [doc('x', [1, 0, 0], { v: 1 }), doc('y', [0, 1, 0], { v: 1, drop: true })]);
    await store.upsert('writes', [{ ...doc('x', [0, 0, 1], { v: 2 }), text: 'new text' }]);
    expect(await store.countDocuments('writes')).toBe(2);
    const [hit] = await store.search('writes', {
      vector: [0, 0, 1],
      topK: 1,
      filter: [],
      efSearch: 40,
      includeVectors: false,
    });
    expect(hit).toMatchObject({ id: 'x', text: 'new text', metadata: { v: 2 } });
    expect(await store.deleteByFilter('writes', parseMetadataFilter({ drop: true }))).toEqual(['y']);
    expect(await store.deleteByIds('writes', ['x', 'nope'])).toEqual(['x']);
    expect(await store.countDocuments('writes')).toBe(0);
  });

  it('swaps in a rebuilt table, catching up rows written after they were copied', async () => {
    await collection('rebuild', 2, 'l2');
    await store.upsert('rebuild', [doc('a', [1, 1]), doc('b', [2, 2]), doc('c', [3, 3])]);
    const shadow = await store.beginRebuild('rebuild');
    const page = await store.pageDocuments('rebuild', '', 10);
    await store.writeRebuildRows(
      shadow,
      page.map((r) => ({ ...r, vector: [r.vector[0] as number, 0] })),
    );
    // Written after the copy: b changes, c goes, d arrives.
    await store.upsert('rebuild', [doc('b', [5, 5]), doc('d', [4, 4])]);
    await store.deleteByIds('rebuild', ['c']);
    const caughtUp = await store.finishRebuild('rebuild', shadow, 2, async (rows) =>
      rows.map((r) => ({ ...r, vector: [r.vector[0] as number, 0] })),
    );
    expect(caughtUp).toBe(2);
    expect((await store.getCollection('rebuild'))?.modelVersion).toBe(2);
    const hits = await store.search('rebuild', {
      vector: [0, 0],
      topK: 10,
      filter: [],
      efSearch: 40,
      includeVectors: true,
    });
    expect(Object.fromEntries(hits.map((h) => [h.id, h.vector]))).toEqual({ a: [1, 0], b: [5, 0], d: [4, 0] });
  });

  it('drops a collection with its documents', async () => {
    await collection('dropped', 2);
    await store.upsert('dropped', [doc('a', [1, 1])]);
    expect(await store.dropCollection('dropped')).toBe(1);
    expect(await store.getCollection('dropped')).toBeNull();
    expect(await store.dropCollection('dropped')).toBe(0);
  });
});
