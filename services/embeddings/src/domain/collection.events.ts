// Events of the Collection aggregate; payloads have the shape of neuroforge.embeddings.v1 events.proto (the
// envelope's time says when), plus `distance` as the proto enum's name.
import type { Event } from '@neuroforge/events';

export const EMBEDDINGS_CONTEXT = 'embeddings';

export type DistanceName = 'DISTANCE_COSINE' | 'DISTANCE_L2' | 'DISTANCE_INNER_PRODUCT';

export type CollectionCreated = Event<
  'collection_created',
  { name: string; model: string; dimension: number; distance: DistanceName; modelVersion: number }
>;
export type CollectionDeleted = Event<'collection_deleted', { name: string; deletedDocuments: string }>;
export type DocumentsUpserted = Event<
  'documents_upserted',
  { collection: string; ids: string[]; embeddedCount: number }
>;
export type DocumentsDeleted = Event<'documents_deleted', { collection: string; ids: string[]; deletedCount: string }>;
export type ReembeddingStarted = Event<
  'reembedding_started',
  { collection: string; fromVersion: number; toVersion: number; totalDocuments: string }
>;
export type ReembeddingCompleted = Event<
  'reembedding_completed',
  { collection: string; toVersion: number; processedDocuments: string }
>;
export type ReembeddingFailed = Event<'reembedding_failed', { collection: string; toVersion: number; error: string }>;

export type CollectionEvent =
  | CollectionCreated
  | CollectionDeleted
  | DocumentsUpserted
  | DocumentsDeleted
  | ReembeddingStarted
  | ReembeddingCompleted
  | ReembeddingFailed;
