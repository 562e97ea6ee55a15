import pg from 'pg';
import pgvector from 'pgvector/pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './unique';

describe('local PostgreSQL with pgvector', () => {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'neuroforge' });
  const table = uniqueName('nf_int_vectors');

  beforeAll(async () => {
    await client.connect();
    await pgvector.registerTypes(client);
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, embedding vector(3) NOT NULL)`);
    await client.query(`CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_l2_ops)`);
  });

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  it('answers a nearest-neighbour query through the HNSW index', async () => {
    const rows: [number, number[]][] = [
      [1, [0, 0, 0]],
      [2, [1, 1, 1]],
      [3, [5, 5, 5]],
      [4, [0.9, 1.2, 1]],
    ];
    for (const [id, embedding] of rows) {
      await client.query(`INSERT INTO ${table} (id, embedding) VALUES ($1, $2)`, [id, pgvector.toSql(embedding)]);
    }
    // With four rows the planner would scan sequentially; forbid that to prove the index answers.
    await client.query('SET enable_seqscan = off');

    const query = `SELECT id, embedding FROM ${table} ORDER BY embedding <-> $1 LIMIT 2`;
    const plan = await client.query(`EXPLAIN ${query}`, [pgvector.toSql([1, 1, 1.1])]);
    const nearest = await client.query<{ id: number; embedding: number[] }>(query, [pgvector.toSql([1, 1, 1.1])]);

    expect(plan.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n')).toContain(`${table}_hnsw`);
    expect(nearest.rows.map((r) => r.id)).toEqual([2, 4]);
    expect(nearest.rows[0]?.embedding).toEqual([1, 1, 1]);
  });
});
