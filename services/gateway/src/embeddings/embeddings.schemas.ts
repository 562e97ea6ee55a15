// REST shapes of the embeddings API (/api/v1/embeddings/*) and RAG (/api/v1/rag), snake_case like the rest of
// /api/v1; the gateway maps them onto neuroforge.embeddings.v1.
import type { embeddings } from '@neuroforge/contracts';
import { z } from 'zod';
import { isoTime, ModelRef, PageQuery } from '../schemas/common.schemas';

const DISTANCES = ['cosine', 'l2', 'inner_product'] as const;

export const CollectionName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'must be 1 to 48 lower-case letters, digits, "-" or "_"');

export const CollectionParams = z.object({ name: CollectionName.meta({ description: 'The collection name.' }) });

const Metadata = z.record(z.string(), z.unknown());
const Filter = z.record(z.string(), z.unknown()).meta({
  description: 'Metadata filter: {"lang": "en", "year": {"gte": 2000}}; operators eq ne gt gte lt lte in exists.',
});

export const EmbedBody = z.object({
  model: ModelRef.optional().meta({ description: 'Embedding model; default: the service default model.' }),
  texts: z.array(z.string().min(1)).min(1).max(256),
  normalize: z.boolean().optional().meta({ description: 'Unit L2 norm (default true).' }),
});
export type EmbedBody = z.infer<typeof EmbedBody>;

export const EmbedAnswer = z.object({
  model: z.string(),
  dimension: z.number(),
  vectors: z.array(z.array(z.number())),
  prompt_tokens: z.number(),
});

export const CreateCollectionBody = z.object({
  name: CollectionName,
  model: ModelRef.optional(),
  dimension: z.number().int().min(0).max(2000).optional().meta({ description: 'Default: the model size.' }),
  distance: z.enum(DISTANCES),
});
export type CreateCollectionBody = z.infer<typeof CreateCollectionBody>;

export const CollectionView = z.object({
  name: z.string(),
  model: z.string(),
  model_version: z.number(),
  dimension: z.number(),
  distance: z.enum(DISTANCES),
  document_count: z.number(),
  created_at: z.string().nullable(),
  reembedding: z
    .object({
      state: z.enum(['running', 'completed', 'failed']),
      from_version: z.number(),
      to_version: z.number(),
      processed_documents: z.number(),
      total_documents: z.number(),
      error: z.string(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
    })
    .nullable(),
});
export type CollectionView = z.infer<typeof CollectionView>;

export const CollectionList = z.object({ collections: z.array(CollectionView), next_page_token: z.string() });
export const ListCollectionsQuery = z.object(PageQuery);
export type ListCollectionsQuery = z.infer<typeof ListCollectionsQuery>;

export const UpsertBody = z.object({
  documents: z
    .array(
      z.object({
        id: z.string().min(1).max(256),
        text: z.string().max(100_000).default(''),
        metadata: Metadata.optional(),
        vector: z.array(z.number()).optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export type UpsertBody = z.infer<typeof UpsertBody>;
export const UpsertAnswer = z.object({ ids: z.array(z.string()), embedded_count: z.number() });

export const SearchBody = z
  .object({
    text: z.string().min(1).optional(),
    vector: z.array(z.number()).optional(),
    top_k: z.number().int().min(1).max(1000).optional(),
    filter: Filter.optional(),
    score_threshold: z.number().optional(),
    ef_search: z.number().int().min(1).max(1000).optional(),
    include_vectors: z.boolean().optional(),
  })
  .refine((b) => (b.text === undefined) !== (b.vector === undefined), { message: 'give either text or vector' });
export type SearchBody = z.infer<typeof SearchBody>;

export const Hit = z.object({
  id: z.string(),
  text: z.string(),
  metadata: Metadata,
  score: z.number(),
  vector: z.array(z.number()).optional(),
});
export const SearchAnswer = z.object({ hits: z.array(Hit), search_time_ms: z.number() });

export const DeleteDocumentsBody = z
  .object({ ids: z.array(z.string().min(1)).min(1).max(10_000).optional(), filter: Filter.optional() })
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), { message: 'give either ids or filter' });
export type DeleteDocumentsBody = z.infer<typeof DeleteDocumentsBody>;
export const DeletedAnswer = z.object({ deleted_count: z.number() });

export const RagBody = z.object({
  collection: CollectionName,
  query: z.string().min(1).max(10_000),
  top_k: z.number().int().min(1).max(20).optional().meta({ description: 'Passages retrieved (default 4).' }),
  filter: Filter.optional(),
  score_threshold: z.number().optional(),
  model: ModelRef.optional().meta({ description: 'Generation model; default: the inference default.' }),
  max_tokens: z.number().int().min(1).max(4096).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().min(0).optional(),
  max_context_chars: z
    .number()
    .int()
    .min(100)
    .max(100_000)
    .optional()
    .meta({ description: 'Passage text put in the prompt, at most (default 2000); later passages are cut.' }),
});
export type RagBody = z.infer<typeof RagBody>;

export const RagAnswer = z.object({
  answer: z.string(),
  model_name: z.string(),
  tokens_generated: z.number(),
  passages: z.array(Hit.omit({ vector: true }).extend({ used_chars: z.number() })),
});

const DISTANCE_OF: Record<string, (typeof DISTANCES)[number]> = {
  DISTANCE_COSINE: 'cosine',
  DISTANCE_L2: 'l2',
  DISTANCE_INNER_PRODUCT: 'inner_product',
};
const STATE_OF: Record<string, 'running' | 'completed' | 'failed'> = {
  REEMBEDDING_STATE_RUNNING: 'running',
  REEMBEDDING_STATE_COMPLETED: 'completed',
  REEMBEDDING_STATE_FAILED: 'failed',
};

export const distanceToProto = (d: (typeof DISTANCES)[number]): embeddings.Distance =>
  `DISTANCE_${d.toUpperCase()}` as embeddings.Distance;

export function collectionView(c: embeddings.Collection): CollectionView {
  const job = c.reembedding;
  return {
    name: c.name,
    model: c.model,
    model_version: c.modelVersion,
    dimension: c.dimension,
    distance: DISTANCE_OF[c.distance] ?? 'cosine',
    document_count: Number(c.documentCount),
    created_at: isoTime(c.createdAt),
    reembedding: job
      ? {
          state: STATE_OF[job.state] ?? 'failed',
          from_version: job.fromVersion,
          to_version: job.toVersion,
          processed_documents: Number(job.processedDocuments),
          total_documents: Number(job.totalDocuments),
          error: job.error,
          started_at: isoTime(job.startedAt),
          finished_at: isoTime(job.finishedAt),
        }
      : null,
  };
}

export function hitView(h: embeddings.SearchHit) {
  return {
    id: h.id,
    text: h.text,
    metadata: h.metadata ?? {},
    score: h.score,
    ...(h.vector ? { vector: h.vector.values } : {}),
  };
}
