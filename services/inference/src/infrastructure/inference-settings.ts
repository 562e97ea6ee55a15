// The inference service's settings: the `inference` and `system` config sections, plus a few deployment
// overrides read from NF_INFERENCE_* variables (outside the validated NEUROFORGE_* namespace because they name
// test/ops wiring, not product configuration):
//   NF_INFERENCE_MODEL_DIRS    "name:version=/dir,…,name@alias=version" — serve local model folders without the
//                              registry (an alias entry says which version the alias starts at)
//   NF_INFERENCE_MODELS_TOPIC  topic of model events to follow (default neuroforge.models.events)
//   NF_INFERENCE_EVENTS_TOPIC  topic generation events go to (default neuroforge.inference.events)
//   NF_INFERENCE_REDIS_PREFIX  prefix of the response-cache keys (default "nf:inference:")
//   NF_INFERENCE_CACHE_TTL_S   lifetime of a cached response (default 600)
import { hostname } from 'node:os';
import { grpcAddress, type NeuroForgeConfig } from '@neuroforge/config';
import { TOPICS } from '@neuroforge/contracts';
import { parseModelDirs } from '@neuroforge/service-kit';
import type { RequestDefaults } from '../domain/generate-request';

export interface InferenceSettings {
  readonly defaultModel: string;
  readonly defaults: RequestDefaults;
  readonly streamChunkSize: number;
  readonly maxBatchSize: number;
  readonly maxQueue: number;
  readonly batchWaitMs: number;
  readonly requestTimeoutMs: number;
  readonly prefixCacheBytes: number;
  readonly device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  readonly intraOpThreads: number;
  readonly registryAddress: string;
  readonly modelsTopic: string;
  readonly eventsTopic: string;
  /** Each server follows model events in its own group: every replica must see every alias move. */
  readonly modelsConsumerGroup: string;
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  readonly responseCacheTtlSeconds: number;
  /** `name:version` → folder and `name@alias` → version, from NF_INFERENCE_MODEL_DIRS. */
  readonly localModelDirs: ReadonlyMap<string, string>;
}

export const INFERENCE_SETTINGS = Symbol('INFERENCE_SETTINGS');

export function inferenceSettings(config: NeuroForgeConfig, env: NodeJS.ProcessEnv = process.env): InferenceSettings {
  const i = config.inference;
  return {
    defaultModel: i.default_model,
    defaults: {
      maxNewTokens: i.max_new_tokens,
      temperature: i.temperature,
      topK: i.top_k,
      topP: i.top_p,
      repetitionPenalty: i.repetition_penalty,
    },
    streamChunkSize: i.stream_chunk_size,
    maxBatchSize: i.max_batch_size,
    maxQueue: i.max_queue,
    batchWaitMs: i.batch_wait_ms,
    requestTimeoutMs: i.request_timeout_ms,
    prefixCacheBytes: i.prefix_cache_bytes,
    device: config.system.device,
    intraOpThreads: config.system.intra_op_threads,
    registryAddress: grpcAddress(config, 'model-registry'),
    modelsTopic: env.NF_INFERENCE_MODELS_TOPIC || TOPICS.models,
    eventsTopic: env.NF_INFERENCE_EVENTS_TOPIC || TOPICS.inference,
    modelsConsumerGroup: `${config.stack.kafka_client_id}-inference-${hostname()}-${process.pid}-${Date.now().toString(36)}`,
    redisUrl: config.stack.redis_url,
    redisKeyPrefix: env.NF_INFERENCE_REDIS_PREFIX || 'nf:inference:',
    responseCacheTtlSeconds: Number(env.NF_INFERENCE_CACHE_TTL_S || 600),
    localModelDirs: parseModelDirs(env.NF_INFERENCE_MODEL_DIRS ?? '', 'NF_INFERENCE_MODEL_DIRS'),
  };
}
