// The vector store: collections' documents and vectors (PostgreSQL + pgvector), and the collections catalog that
// the use cases keep in step with the Collection event stream.
import type { Distance, ReembeddingState } from '../../domain/collection.types';
import type { JsonValue, MetadataFilter } from '../../domain/metadata-filter';

export interface ReembeddingRecord {
  readonly state: ReembeddingState;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly processedDocuments: number;
  readonly totalDocuments: number;
  readonly error: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

export interface CollectionRecord {
  readonly name: string;
  /** The model reference as given ("name", "name@alias", "name:version"). */
  readonly model: string;
  /** Model name and alias whose moves trigger re-embedding; empty alias for a pinned version. */
  readonly followsModel: string;
  readonly followsAlias: string;
  readonly modelVersion: number;
  readonly dimension: number;
  readonly distance: Distance;
  readonly createdAt: Date;
  readonly reembedding: ReembeddingRecord | null;
}

export interface DocumentRow {
  readonly id: string;
  readonly text: string;
  readonly metadata: { [key: string]: JsonValue };
  readonly vector: ArrayLike<number>;
  /** True when the service embedded the text; false when the caller supplied the vector. */
  readonly embedded: boolean;
}

/** A stored document as a re-embedding job reads it (the revision tells a changed row from a copied one). */
export interface StoredRow extends DocumentRow {
  /** Taken from a sequence on every write (a bigint as text). */
  readonly revision: string;
}

export interface SearchQuery {
  readonly vector: ArrayLike<number>;
  readonly topK: number;
  readonly filter: MetadataFilter;
  /** HNSW candidate list size for this query. */
  readonly efSearch: number;
  readonly includeVectors: boolean;
  /** Exact (sequential) scan instead of the index: the ground truth for recall. */
  readonly exact?: boolean;
}

export interface SearchHitRow {
  readonly id: string;
  readonly text: string;
  readonly metadata: { [key: string]: JsonValue };
  /** Higher is nearer: cosine similarity, negative L2 distance or inner product. */
  readonly score: number;
  readonly vector?: number[];
}

/** Re-embeds rows during the final catch-up of a rebuild (inside the swap transaction). */
export type RowEmbedder = (rows: readonly StoredRow[]) => Promise<DocumentRow[]>;

export interface VectorStore {
  init(): Promise<void>;
  /** Creates the collection's table, HNSW index and catalog row (idempotent). */
  createCollection(record: Omit<CollectionRecord, 'reembedding' | 'createdAt'>): Promise<CollectionRecord>;
  getCollection(name: string): Promise<CollectionRecord | null>;
  /** Collections sorted by name, after `afterName`. */
  listCollections(afterName: string, limit: number): Promise<CollectionRecord[]>;
  /** Collections following a model alias (re-embedding candidates). */
  collectionsFollowing(model: string, alias: string): Promise<CollectionRecord[]>;
  countDocuments(name: string): Promise<number>;
  /** Drops the table and the catalog row; returns the number of documents it held (0 when absent). */
  dropCollection(name: string): Promise<number>;
  /** Inserts or replaces documents by id. */
  upsert(name: string, rows: readonly DocumentRow[]): Promise<void>;
  search(name: string, query: SearchQuery): Promise<SearchHitRow[]>;
  /** Deletes by id; returns the ids that existed. */
  deleteByIds(name: string, ids: readonly string[]): Promise<string[]>;
  /** Deletes the documents matching the filter; returns their ids. */
  deleteByFilter(name: string, filter: MetadataFilter): Promise<string[]>;

  // Re-embedding: a shadow table filled page by page, then swapped in under a short write lock.
  setReembedding(name: string, record: ReembeddingRecord | null): Promise<void>;
  addReembeddingProgress(name: string, processed: number): Promise<void>;
  /** Creates an empty shadow table for the collection; returns its name. */
  beginRebuild(name: string): Promise<string>;
  /** Live documents after `afterId` in id order. */
  pageDocuments(name: string, afterId: string, limit: number): Promise<StoredRow[]>;
  writeRebuildRows(shadow: string, rows: readonly (DocumentRow & { revision: string })[]): Promise<void>;
  /**
   * Indexes the shadow table, then under a write lock on the live table brings it up to date (rows changed or
   * added since they were copied are re-embedded with `embed`, deleted ones removed), swaps it in with the new model
   * version and drops the old table.
   */
  finishRebuild(name: string, shadow: string, modelVersion: number, embed: RowEmbedder): Promise<number>;
  /** Drops a shadow table of a failed job. */
  abandonRebuild(shadow: string): Promise<void>;
  close(): Promise<void>;
}

export const VECTOR_STORE = Symbol('VECTOR_STORE');
