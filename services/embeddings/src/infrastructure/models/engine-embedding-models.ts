// Encoders on the engine (RetNetEncoder), one per model version, loaded on first use and shared by every request
// and collection that uses that version. Local folders answer for the models they map; the registry for the rest.
// At most `maxLoaded` versions stay loaded: the least recently used one is disposed when another is needed.
import { RetNetEncoder } from '@neuroforge/ml';
import type { LocalModelFolders } from '@neuroforge/service-kit';
import type {
  EmbeddingModels,
  LoadedModel,
  ModelSource,
  ResolvedModel,
  TextEncoder,
} from '../../application/ports/embedding-models.port';
import { EmbeddingsError } from '../../domain/embeddings-error';
import type { ModelRef } from '../../domain/model-ref';

export interface EngineEmbeddingModelsOptions {
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  intraOpThreads: number;
  microBatchSize: number;
  maxTokens: number;
  maxLoaded: number;
  log: (line: string) => void;
}

export class EngineEmbeddingModels implements EmbeddingModels {
  private readonly loaded = new Map<string, Promise<RetNetEncoder>>();

  constructor(
    private readonly local: LocalModelFolders,
    private readonly registry: ModelSource & { close(): void },
    private readonly options: EngineEmbeddingModelsOptions,
  ) {}

  async resolve(ref: ModelRef): Promise<LoadedModel> {
    const source = this.local.knows(ref.name) ? this.local : this.registry;
    const resolved = await source.resolve(ref);
    return {
      name: resolved.name,
      version: resolved.version,
      ...(resolved.followsAlias ? { followsAlias: resolved.followsAlias } : {}),
      encoder: adapt(await this.load(resolved)),
    };
  }

  async close(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    this.registry.close();
    await Promise.allSettled(all.map(async (p) => (await p).dispose()));
  }

  private load(model: ResolvedModel): Promise<RetNetEncoder> {
    const key = `${model.name}:${model.version}`;
    let encoder = this.loaded.get(key);
    if (encoder) {
      // Most recently used last (Map keeps insertion order).
      this.loaded.delete(key);
      this.loaded.set(key, encoder);
      return encoder;
    }
    encoder = RetNetEncoder.load(model.dir, {
      device: this.options.device,
      intraOpThreads: this.options.intraOpThreads || undefined,
      microBatchSize: this.options.microBatchSize,
      maxTokens: this.options.maxTokens,
      log: this.options.log,
    }).catch((error: unknown) => {
      this.loaded.delete(key);
      throw new EmbeddingsError(
        'EMBEDDINGS.MODEL_UNAVAILABLE',
        `model ${key} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    this.loaded.set(key, encoder);
    while (this.loaded.size > this.options.maxLoaded) {
      const [oldest, evicted] = this.loaded.entries().next().value as [string, Promise<RetNetEncoder>];
      this.loaded.delete(oldest);
      // In-flight runs finish first: ORT releases a session only after its runs complete.
      void evicted.then((e) => e.dispose()).catch(() => undefined);
    }
    return encoder;
  }
}

function adapt(encoder: RetNetEncoder): TextEncoder {
  return {
    dimension: encoder.dimension,
    embed: async (texts, opts) => {
      const out = await encoder.embed(texts, { normalize: opts.normalize });
      return { vectors: out.vectors, tokens: out.tokens };
    },
  };
}
