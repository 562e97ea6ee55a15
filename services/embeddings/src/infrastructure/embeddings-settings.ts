// The embeddings service's settings: the shared `inference`, `system` and `stack` config sections, plus
// deployment overrides read from NF_EMBEDDINGS_* variables (outside the validated NEUROFORGE_* namespace because
// they name test/ops wiring, not product configuration):
//   NF_EMBEDDINGS_MODEL_DIRS     "name:version=/dir,…,name@alias=version": local model folders (no registry)
//   NF_EMBEDDINGS_DEFAULT_MODEL  model of Embed requests that name none (default: inference.default_model)
//   NF_EMBEDDINGS_PG_SCHEMA      PostgreSQL schema of the catalog and collection tables (default "embeddings")
//   NF_EMBEDDINGS_MONGO_PREFIX   prefix of the event store's Mongo collections (default "embeddings_")
//   NF_EMBEDDINGS_EVENTS_TOPIC   topic the collection events go to (default neuroforge.embeddings.events)
//   NF_EMBEDDINGS_MODELS_TOPIC   topic of model events to follow (default neuroforge.models.events)
//   NF_EMBEDDINGS_EF_SEARCH      HNSW ef_search when a query sets none (default 100)
//   NF_EMBEDDINGS_MAX_TOKENS     texts are cut to this many tokens (default 512)
import { hostname } from 'node:os';
import { grpcAddress, type NeuroForgeConfig } from '@neuroforge/config';
import { TOPICS } from '@neuroforge/contracts';

export interface EmbeddingsSettings {
  readonly defaultModel: string;
  readonly device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  readonly intraOpThreads: number;
  readonly registryAddress: string;
  readonly localModelDirs: string;
  readonly postgresUrl: string;
  readonly pgSchema: string;
  readonly eventsTopic: string;
  readonly modelsTopic: string;
  /** Every replica follows model events in its own group (each checks its collections; the job is idempotent). */
  readonly modelsConsumerGroup: string;
  readonly defaultEfSearch: number;
  readonly maxTokens: number;
  /** Limits of one request. */
  readonly maxEmbedTexts: number;
  readonly maxUpsertDocuments: number;
  readonly maxTopK: number;
}

export const EMBEDDINGS_SETTINGS = Symbol('EMBEDDINGS_SETTINGS');

export function embeddingsSettings(config: NeuroForgeConfig, env: NodeJS.ProcessEnv = process.env): EmbeddingsSettings {
  return {
    defaultModel: env.NF_EMBEDDINGS_DEFAULT_MODEL || config.inference.default_model,
    device: config.system.device,
    intraOpThreads: config.system.intra_op_threads,
    registryAddress: grpcAddress(config, 'model-registry'),
    localModelDirs: env.NF_EMBEDDINGS_MODEL_DIRS ?? '',
    postgresUrl: config.stack.postgres_url,
    pgSchema: env.NF_EMBEDDINGS_PG_SCHEMA || 'embeddings',
    eventsTopic: env.NF_EMBEDDINGS_EVENTS_TOPIC || TOPICS.embeddings,
    modelsTopic: env.NF_EMBEDDINGS_MODELS_TOPIC || TOPICS.models,
    modelsConsumerGroup: `${config.stack.kafka_client_id}-embeddings-${hostname()}-${process.pid}-${Date.now().toString(36)}`,
    defaultEfSearch: Number(env.NF_EMBEDDINGS_EF_SEARCH || 100),
    maxTokens: Number(env.NF_EMBEDDINGS_MAX_TOKENS || 512),
    maxEmbedTexts: 256,
    maxUpsertDocuments: 1000,
    maxTopK: 1000,
  };
}

/**
 * The event store's MongoDB collections (`NF_EMBEDDINGS_MONGO_PREFIX`). Read when the module is defined, not per
 * bootstrap: the service kit's event-sourcing providers take fixed names. In-process tests use a database of their
 * own instead of a prefix.
 */
export function eventSourcingCollections(env: NodeJS.ProcessEnv = process.env): {
  events: string;
  counters: string;
  outboxLeases: string;
} {
  const prefix = env.NF_EMBEDDINGS_MONGO_PREFIX || 'embeddings_';
  return { events: `${prefix}events`, counters: `${prefix}counters`, outboxLeases: `${prefix}leases` };
}
