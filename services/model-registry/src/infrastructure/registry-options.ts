// Where the registry keeps its data and publishes; defaults are production's, tests override them.
import { topicOf } from '@neuroforge/contracts';

export interface ModelRegistryOptions {
  /** Kafka topic of the Model events (default `neuroforge.models.events`). */
  topic?: string;
  /** Consumer group of the `models` read-model projection. */
  consumerGroup?: string;
  /** Run ensureDefaultModel at start-up (config `system.seed_default_model` must allow it too). Default true. */
  seedOnStart?: boolean;
}

export type ResolvedRegistryOptions = Required<ModelRegistryOptions>;

export const REGISTRY_OPTIONS = Symbol('REGISTRY_OPTIONS');

export function resolveRegistryOptions(options: ModelRegistryOptions = {}): ResolvedRegistryOptions {
  return {
    topic: options.topic ?? topicOf('neuroforge.models.model_created.v1'),
    consumerGroup: options.consumerGroup ?? 'model-registry.models-read-model',
    seedOnStart: options.seedOnStart ?? true,
  };
}

/** The registry's Mongo collections (prefixed: services may share a database). */
export const COLLECTIONS = {
  events: 'model_registry_events',
  counters: 'model_registry_counters',
  leases: 'model_registry_leases',
  aliases: 'model_registry_aliases',
  models: 'model_registry_models',
} as const;
