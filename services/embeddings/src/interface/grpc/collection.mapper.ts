// Catalog records and search hits → proto messages (whitelisted fields).
import { embeddings } from '@neuroforge/contracts';
import type { CollectionView } from '../../application/collections/collection-view';
import type { SearchHitRow } from '../../application/ports/vector-store.port';
import type { Distance, ReembeddingState } from '../../domain/collection.types';

const DISTANCE_TO_PROTO: Record<Distance, embeddings.Distance> = {
  cosine: embeddings.Distance.DISTANCE_COSINE,
  l2: embeddings.Distance.DISTANCE_L2,
  inner_product: embeddings.Distance.DISTANCE_INNER_PRODUCT,
};

const STATE_TO_PROTO: Record<ReembeddingState, embeddings.ReembeddingState> = {
  running: embeddings.ReembeddingState.REEMBEDDING_STATE_RUNNING,
  completed: embeddings.ReembeddingState.REEMBEDDING_STATE_COMPLETED,
  failed: embeddings.ReembeddingState.REEMBEDDING_STATE_FAILED,
};

export function distanceFromProto(value: embeddings.Distance | string): Distance | undefined {
  return (Object.keys(DISTANCE_TO_PROTO) as Distance[]).find((d) => DISTANCE_TO_PROTO[d] === value);
}

export function timestamp(date: Date): { seconds: string; nanos: number } {
  const ms = date.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function toCollection(view: CollectionView): embeddings.Collection {
  const job = view.reembedding;
  return {
    name: view.name,
    model: view.model,
    dimension: view.dimension,
    distance: DISTANCE_TO_PROTO[view.distance],
    documentCount: String(view.documentCount),
    createdAt: timestamp(view.createdAt),
    modelVersion: view.modelVersion,
    reembedding: job
      ? {
          state: STATE_TO_PROTO[job.state],
          fromVersion: job.fromVersion,
          toVersion: job.toVersion,
          processedDocuments: String(job.processedDocuments),
          totalDocuments: String(job.totalDocuments),
          error: job.error,
          startedAt: timestamp(job.startedAt),
          finishedAt: job.finishedAt ? timestamp(job.finishedAt) : null,
        }
      : null,
  };
}

export function toHit(hit: SearchHitRow): embeddings.SearchHit {
  return {
    id: hit.id,
    text: hit.text,
    metadata: hit.metadata,
    score: hit.score,
    vector: hit.vector ? { values: hit.vector } : null,
  };
}
