// Values of the Collection aggregate.

/** How nearness is measured; every score is "higher is nearer" (see docs/embeddings.md). */
export type Distance = 'cosine' | 'l2' | 'inner_product';
export const DISTANCES: readonly Distance[] = ['cosine', 'l2', 'inner_product'];

/** Collection names: lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 48. */
export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/;

/** pgvector indexes (HNSW) vectors of at most 2000 dimensions. */
export const MAX_DIMENSION = 2000;

export type ReembeddingState = 'running' | 'completed' | 'failed';

export interface ReembeddingStatus {
  readonly state: ReembeddingState;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly totalDocuments: number;
  readonly error: string;
}

/** The stream of one collection: `collection-<name>` (events.proto). */
export const collectionStreamId = (name: string): string => `collection-${name}`;
