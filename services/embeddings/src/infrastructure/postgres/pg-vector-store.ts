// PostgreSQL + pgvector: one table per collection (quoted, derived identifiers; never user text in SQL), an HNSW
// index with the collection's operator class, metadata as JSONB (GIN-indexed) filtered in the same query, and a
// catalog table of collections. Every search runs in a transaction so `SET LOCAL hnsw.ef_search` (and, with a
// filter, `hnsw.iterative_scan`) applies to that query only.
import { Pool, type PoolClient } from 'pg';
import { toSql } from 'pgvector';
import type {
  CollectionRecord,
  DocumentRow,
  ReembeddingRecord,
  RowEmbedder,
  SearchHitRow,
  SearchQuery,
  StoredRow,
  VectorStore,
} from '../../application/ports/vector-store.port';
import type { Distance, ReembeddingState } from '../../domain/collection.types';
import type { MetadataFilter } from '../../domain/metadata-filter';
import { filterSql } from './filter-sql';

/** Operator class, distance operator and the score (higher is nearer) of each distance. */
const DISTANCE_SQL: Record<Distance, { opclass: string; op: string; score: (d: string) => string }> = {
  cosine: { opclass: 'vector_cosine_ops', op: '<=>', score: (d) => `1 - (${d})` },
  l2: { opclass: 'vector_l2_ops', op: '<->', score: (d) => `-(${d})` },
  // <#> is the NEGATIVE inner product (so that ascending order is nearest first).
  inner_product: { opclass: 'vector_ip_ops', op: '<#>', score: (d) => `-(${d})` },
};

export interface PgVectorStoreOptions {
  url: string;
  /** Schema holding the catalog and the collection tables (tests use their own). */
  schema: string;
  /** HNSW build parameters. */
  hnswM?: number;
  hnswEfConstruction?: number;
  poolSize?: number;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const UNDEFINED_TABLE = '42P01';

interface CatalogRow {
  name: string;
  model: string;
  follows_model: string;
  follows_alias: string;
  model_version: number;
  dimension: number;
  distance: Distance;
  created_at: Date;
  table_name: string;
  reembedding:
    | (Omit<ReembeddingRecord, 'startedAt' | 'finishedAt'> & { startedAt: string; finishedAt: string | null })
    | null;
}

export class PgVectorStore implements VectorStore {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly m: number;
  private readonly efConstruction: number;

  constructor(options: PgVectorStoreOptions) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error(`invalid schema name '${options.schema}'`);
    this.schema = options.schema;
    this.m = options.hnswM ?? 16;
    this.efConstruction = options.hnswEfConstruction ?? 64;
    this.pool = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 8,
      application_name: 'neuroforge-embeddings',
    });
    this.pool.on('error', () => undefined); // an idle connection dropped; the next query reconnects
  }

  private get catalog(): string {
    return `${ident(this.schema)}.collections`;
  }

  private get revisions(): string {
    return `${ident(this.schema)}.revisions`;
  }

  private table(name: string): string {
    return `${ident(this.schema)}.${ident(name)}`;
  }

  async init(): Promise<void> {
    await this.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${ident(this.schema)}`);
    // Every write takes a new revision: a re-embedding job tells rows changed since it copied them by it.
    await this.pool.query(`CREATE SEQUENCE IF NOT EXISTS ${this.revisions}`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.catalog} (
      name text PRIMARY KEY,
      model text NOT NULL,
      follows_model text NOT NULL,
      follows_alias text NOT NULL,
      model_version integer NOT NULL,
      dimension integer NOT NULL,
      distance text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      table_name text NOT NULL,
      generation integer NOT NULL DEFAULT 0,
      reembedding jsonb
    )`);
  }

  async createCollection(r: Omit<CollectionRecord, 'reembedding' | 'createdAt'>): Promise<CollectionRecord> {
    const tableName = `c_${r.name}`;
    await this.transaction(async (client) => {
      await this.createDocumentTable(client, tableName, r.dimension);
      await this.createIndexes(client, tableName, r.distance);
      await client.query(
        `INSERT INTO ${this.catalog} (name, model, follows_model, follows_alias, model_version, dimension, distance,
           table_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name) DO NOTHING`,
        [r.name, r.model, r.followsModel, r.followsAlias, r.modelVersion, r.dimension, r.distance, tableName],
      );
    });
    const created = await this.getCollection(r.name);
    if (!created) throw new Error(`collection ${r.name} vanished while it was created`);
    return created;
  }

  private async createDocumentTable(client: PoolClient, tableName: string, dimension: number): Promise<void> {
    await client.query(`CREATE TABLE IF NOT EXISTS ${this.table(tableName)} (
      id text PRIMARY KEY,
      text text NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      embedding vector(${Number(dimension)}) NOT NULL,
      embedded boolean NOT NULL,
      revision bigint NOT NULL
    )`);
  }

  private async createIndexes(client: PoolClient | Pool, tableName: string, distance: Distance): Promise<void> {
    const { opclass } = DISTANCE_SQL[distance];
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${ident(`${tableName}_hnsw`)} ON ${this.table(tableName)}
       USING hnsw (embedding ${opclass}) WITH (m = ${this.m}, ef_construction = ${this.efConstruction})`,
    );
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${ident(`${tableName}_meta`)} ON ${this.table(tableName)}
       USING gin (metadata jsonb_path_ops)`,
    );
  }

  async getCollection(name: string): Promise<CollectionRecord | null> {
    const { rows } = await this.pool.query<CatalogRow>(`SELECT * FROM ${this.catalog} WHERE name = $1`, [name]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listCollections(afterName: string, limit: number): Promise<CollectionRecord[]> {
    const { rows } = await this.pool.query<CatalogRow>(
      `SELECT * FROM ${this.catalog} WHERE name > $1 ORDER BY name LIMIT $2`,
      [afterName, limit],
    );
    return rows.map(toRecord);
  }

  async collectionsFollowing(model: string, alias: string): Promise<CollectionRecord[]> {
    const { rows } = await this.pool.query<CatalogRow>(
      `SELECT * FROM ${this.catalog} WHERE follows_model = $1 AND follows_alias = $2 ORDER BY name`,
      [model, alias],
    );
    return rows.map(toRecord);
  }

  async countDocuments(name: string): Promise<number> {
    return this.withTable(name, async (client, table) => {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table(table)}`);
      return Number(rows[0]?.n ?? 0);
    });
  }

  async dropCollection(name: string): Promise<number> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ table_name: string; generation: number }>(
        `DELETE FROM ${this.catalog} WHERE name = $1 RETURNING table_name, generation`,
        [name],
      );
      const row = rows[0];
      if (!row) return 0;
      const count = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table(row.table_name)}`);
      await client.query(`DROP TABLE IF EXISTS ${this.table(row.table_name)}`);
      // A shadow table of an interrupted re-embedding job, if any.
      await client.query(`DROP TABLE IF EXISTS ${this.table(shadowName(name, row.generation + 1))}`);
      return Number(count.rows[0]?.n ?? 0);
    });
  }

  async upsert(name: string, rows: readonly DocumentRow[]): Promise<void> {
    if (rows.length === 0) return;
    // FOR SHARE on the catalog row: a re-embedding swap (FOR UPDATE) waits for this write, and this write for the
    // swap, so a document never lands in a table that is being replaced.
    await this.transaction(async (client) => {
      const table = await this.lockedTable(client, name, 'FOR SHARE');
      await this.insertRows(client, table, rows);
    });
  }

  private async insertRows(
    client: PoolClient,
    table: string,
    rows: readonly (DocumentRow & { revision?: string })[],
  ): Promise<void> {
    const keepRevision = rows.some((r) => r.revision);
    const width = keepRevision ? 6 : 5;
    // Multi-row INSERT in slices that stay well under PostgreSQL's 65535 bind parameters.
    for (let start = 0; start < rows.length; start += 2000) {
      const slice = rows.slice(start, start + 2000);
      const params: unknown[] = [];
      const tuples = slice.map((r, i) => {
        params.push(r.id, r.text, JSON.stringify(r.metadata), toSql(Array.from(r.vector)), r.embedded);
        if (keepRevision) params.push(r.revision);
        const b = i * width;
        const revision = keepRevision ? `, $${b + 6}::bigint` : `, nextval('${this.revisions}')`;
        return `($${b + 1}, $${b + 2}, $${b + 3}::jsonb, $${b + 4}::vector, $${b + 5}${revision})`;
      });
      await client.query(
        `INSERT INTO ${this.table(table)} (id, text, metadata, embedding, embedded, revision)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, metadata = EXCLUDED.metadata,
           embedding = EXCLUDED.embedding, embedded = EXCLUDED.embedded, revision = EXCLUDED.revision`,
        params,
      );
    }
  }

  /**
   * Bulk import into a collection: the HNSW index is dropped, the rows inserted, and the index built once over all
   * of them (much faster than growing it row by row). Writers wait meanwhile; searches fall back to exact scans.
   * Returns how long loading and indexing took.
   */
  async bulkLoad(
    name: string,
    batches: Iterable<readonly DocumentRow[]> | AsyncIterable<readonly DocumentRow[]>,
    maintenanceWorkMem = '512MB',
  ): Promise<{ rows: number; loadMs: number; indexMs: number }> {
    const collection = await this.getCollection(name);
    if (!collection) throw new CollectionMissing(name);
    return this.transaction(async (client) => {
      const table = await this.lockedTable(client, name, 'FOR UPDATE');
      const started = performance.now();
      await client.query(`DROP INDEX IF EXISTS ${ident(this.schema)}.${ident(`${table}_hnsw`)}`);
      let rows = 0;
      for await (const batch of batches) {
        await this.insertRows(client, table, batch);
        rows += batch.length;
      }
      const loaded = performance.now();
      if (!/^[0-9]+(kB|MB|GB)$/.test(maintenanceWorkMem))
        throw new Error(`bad maintenance_work_mem ${maintenanceWorkMem}`);
      await client.query("SELECT set_config('maintenance_work_mem', $1, true)", [maintenanceWorkMem]);
      await this.createIndexes(client, table, collection.distance);
      return { rows, loadMs: loaded - started, indexMs: performance.now() - loaded };
    });
  }

  async search(name: string, q: SearchQuery): Promise<SearchHitRow[]> {
    return this.withTable(name, async (client, table, distanceKind) => {
      const { op, score } = DISTANCE_SQL[distanceKind];
      await client.query('BEGIN');
      try {
        // One round trip for the transaction-local settings. With a filter, an index scan that ran out of
        // candidates keeps scanning instead of returning fewer than top_k rows (pgvector 0.8); rows may then come
        // slightly out of order, so they are re-sorted below. Exact: no index, a sequential scan and a sort.
        if (q.exact) await client.query("SELECT set_config('enable_indexscan', 'off', true)");
        else {
          await client.query(
            "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', $2, true)",
            [String(q.efSearch), q.filter.length > 0 ? 'relaxed_order' : 'off'],
          );
        }
        const params: unknown[] = [toSql(Array.from(q.vector)), q.topK];
        const where = filterSql(q.filter, params);
        const distance = `embedding ${op} $1::vector`;
        const { rows } = await client.query<{
          id: string;
          text: string;
          metadata: SearchHitRow['metadata'];
          score: number;
          vector?: string;
        }>(
          `SELECT id, text, metadata, ${score(distance)} AS score${q.includeVectors ? ', embedding::text AS vector' : ''}
           FROM ${this.table(table)} WHERE ${where} ORDER BY ${distance} LIMIT $2`,
          params,
        );
        await client.query('COMMIT');
        return rows
          .map((r) => ({
            id: r.id,
            text: r.text,
            metadata: r.metadata,
            score: Number(r.score),
            ...(r.vector !== undefined ? { vector: parseVector(r.vector) } : {}),
          }))
          .sort((a, b) => b.score - a.score);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async deleteByIds(name: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.transaction(async (client) => {
      const table = await this.lockedTable(client, name, 'FOR SHARE');
      const { rows } = await client.query<{ id: string }>(
        `DELETE FROM ${this.table(table)} WHERE id = ANY($1::text[]) RETURNING id`,
        [ids],
      );
      return rows.map((r) => r.id);
    });
  }

  async deleteByFilter(name: string, filter: MetadataFilter): Promise<string[]> {
    return this.transaction(async (client) => {
      const table = await this.lockedTable(client, name, 'FOR SHARE');
      const params: unknown[] = [];
      const { rows } = await client.query<{ id: string }>(
        `DELETE FROM ${this.table(table)} WHERE ${filterSql(filter, params)} RETURNING id`,
        params,
      );
      return rows.map((r) => r.id);
    });
  }

  async setReembedding(name: string, record: ReembeddingRecord | null): Promise<void> {
    await this.pool.query(`UPDATE ${this.catalog} SET reembedding = $2::jsonb WHERE name = $1`, [
      name,
      record ? JSON.stringify(record) : null,
    ]);
  }

  async addReembeddingProgress(name: string, processed: number): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.catalog} SET reembedding = jsonb_set(reembedding, '{processedDocuments}',
         to_jsonb(COALESCE((reembedding->>'processedDocuments')::bigint, 0) + $2))
       WHERE name = $1 AND reembedding IS NOT NULL`,
      [name, processed],
    );
  }

  async beginRebuild(name: string): Promise<string> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ generation: number; dimension: number }>(
        `SELECT generation, dimension FROM ${this.catalog} WHERE name = $1`,
        [name],
      );
      const row = rows[0];
      if (!row) throw new Error(`collection ${name} does not exist`);
      const shadow = shadowName(name, row.generation + 1);
      await client.query(`DROP TABLE IF EXISTS ${this.table(shadow)}`);
      await this.createDocumentTable(client, shadow, row.dimension);
      return shadow;
    });
  }

  async pageDocuments(name: string, afterId: string, limit: number): Promise<StoredRow[]> {
    return this.withTable(name, async (client, table) => {
      const { rows } = await client.query<RawRow>(
        `SELECT id, text, metadata, embedding::text AS vector, embedded, revision FROM ${this.table(table)}
         WHERE id > $1 ORDER BY id LIMIT $2`,
        [afterId, limit],
      );
      return rows.map(fromRaw);
    });
  }

  async writeRebuildRows(shadow: string, rows: readonly (DocumentRow & { revision: string })[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await this.insertRows(client, shadow, rows);
    } finally {
      client.release();
    }
  }

  async finishRebuild(name: string, shadow: string, modelVersion: number, embed: RowEmbedder): Promise<number> {
    const collection = await this.getCollection(name);
    if (!collection) throw new Error(`collection ${name} does not exist`);
    // 1. Index the filled shadow table before taking any lock (the long part).
    await this.createIndexes(this.pool, shadow, collection.distance);
    return this.transaction(async (client) => {
      // 2. Writers hold the catalog row FOR SHARE; taking it FOR UPDATE waits for them and holds off new ones.
      const live = await this.lockedTable(client, name, 'FOR UPDATE');
      // 3. Rows written since they were copied, or never copied: embed them again. Rows gone: delete them.
      const { rows } = await client.query<RawRow>(
        `SELECT l.id, l.text, l.metadata, l.embedding::text AS vector, l.embedded, l.revision
         FROM ${this.table(live)} l LEFT JOIN ${this.table(shadow)} s ON s.id = l.id
         WHERE s.id IS NULL OR s.revision <> l.revision`,
      );
      const stale = rows.map(fromRaw);
      if (stale.length > 0) {
        const fresh = await embed(stale);
        await this.insertRows(
          client,
          shadow,
          fresh.map((r, i) => ({ ...r, revision: (stale[i] as StoredRow).revision })),
        );
      }
      await client.query(
        `DELETE FROM ${this.table(shadow)} s WHERE NOT EXISTS (SELECT 1 FROM ${this.table(live)} l WHERE l.id = s.id)`,
      );
      // 4. Swap: the catalog points at the shadow table, which now holds the new version's vectors.
      await client.query(
        `UPDATE ${this.catalog} SET table_name = $2, generation = generation + 1, model_version = $3 WHERE name = $1`,
        [name, shadow, modelVersion],
      );
      await client.query(`DROP TABLE ${this.table(live)}`);
      return stale.length;
    });
  }

  async abandonRebuild(shadow: string): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table(shadow)}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Drops the schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${ident(this.schema)} CASCADE`);
  }

  private async lockedTable(client: PoolClient, name: string, lock: 'FOR SHARE' | 'FOR UPDATE'): Promise<string> {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM ${this.catalog} WHERE name = $1 ${lock}`,
      [name],
    );
    const table = rows[0]?.table_name;
    if (!table) throw new CollectionMissing(name);
    return table;
  }

  /** Runs `fn` on the collection's current table; retried once if a re-embedding swap dropped it meanwhile. */
  private async withTable<T>(
    name: string,
    fn: (client: PoolClient, table: string, distance: Distance) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.pool.query<{ table_name: string; distance: Distance }>(
        `SELECT table_name, distance FROM ${this.catalog} WHERE name = $1`,
        [name],
      );
      const row = rows[0];
      if (!row) throw new CollectionMissing(name);
      const client = await this.pool.connect();
      try {
        return await fn(client, row.table_name, row.distance);
      } catch (error) {
        if (attempt > 0 || (error as { code?: string }).code !== UNDEFINED_TABLE) throw error;
      } finally {
        client.release();
      }
    }
  }

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** The collection's catalog row is gone (deleted, or never created): the caller reports NOT_FOUND. */
export class CollectionMissing extends Error {
  constructor(readonly collection: string) {
    super(`collection '${collection}' does not exist`);
    this.name = 'CollectionMissing';
  }
}

interface RawRow {
  id: string;
  text: string;
  metadata: DocumentRow['metadata'];
  vector: string;
  embedded: boolean;
  revision: string;
}

const fromRaw = (r: RawRow): StoredRow => ({
  id: r.id,
  text: r.text,
  metadata: r.metadata,
  vector: parseVector(r.vector),
  embedded: r.embedded,
  revision: r.revision,
});

const shadowName = (name: string, generation: number): string => `c_${name}__g${generation}`;

function parseVector(text: string): number[] {
  return text.slice(1, -1).split(',').map(Number);
}

function toRecord(r: CatalogRow): CollectionRecord {
  const job = r.reembedding;
  return {
    name: r.name,
    model: r.model,
    followsModel: r.follows_model,
    followsAlias: r.follows_alias,
    modelVersion: r.model_version,
    dimension: r.dimension,
    distance: r.distance,
    createdAt: r.created_at,
    reembedding: job
      ? {
          state: job.state as ReembeddingState,
          fromVersion: job.fromVersion,
          toVersion: job.toVersion,
          processedDocuments: Number(job.processedDocuments),
          totalDocuments: Number(job.totalDocuments),
          error: job.error,
          startedAt: new Date(job.startedAt),
          finishedAt: job.finishedAt ? new Date(job.finishedAt) : null,
        }
      : null,
  };
}
