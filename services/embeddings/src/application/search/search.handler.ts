// Search: a query text (embedded with the collection's model version) or vector, nearest first, with the metadata
// filter applied in the same SQL query. Scores are "higher is nearer": cosine similarity, negative L2 distance or
// inner product (docs/embeddings.md).
import { Inject, Injectable } from '@nestjs/common';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { parseMetadataFilter } from '../../domain/metadata-filter';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from '../../infrastructure/embeddings-settings';
import { loadCollection } from '../collections/load-collection';
import { modelName } from '../documents/upsert-documents.handler';
import { EMBEDDING_MODELS, type EmbeddingModels } from '../ports/embedding-models.port';
import { type SearchHitRow, VECTOR_STORE, type VectorStore } from '../ports/vector-store.port';

export interface SearchInput {
  readonly collection: string;
  readonly text?: string;
  readonly vector?: readonly number[];
  readonly topK: number;
  readonly filter: unknown;
  readonly scoreThreshold?: number;
  readonly efSearch?: number;
  readonly includeVectors: boolean;
}

const MAX_EF_SEARCH = 1000;

@Injectable()
export class SearchHandler {
  constructor(
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(EMBEDDING_MODELS) private readonly models: EmbeddingModels,
    @Inject(EMBEDDINGS_SETTINGS) private readonly settings: EmbeddingsSettings,
  ) {}

  async execute(input: SearchInput): Promise<{ hits: SearchHitRow[]; searchTimeMs: number }> {
    // 1. Validate.
    const collection = await loadCollection(this.store, input.collection);
    const topK = input.topK || 10;
    if (topK > this.settings.maxTopK) throw EmbeddingsError.invalid('top_k', `at most ${this.settings.maxTopK}`);
    const filter = parseMetadataFilter(input.filter);
    const efSearch = input.efSearch ?? this.settings.defaultEfSearch;
    if (!Number.isInteger(efSearch) || efSearch < 1 || efSearch > MAX_EF_SEARCH) {
      throw EmbeddingsError.invalid('ef_search', `must be 1 to ${MAX_EF_SEARCH}`);
    }
    if (input.scoreThreshold !== undefined && !Number.isFinite(input.scoreThreshold)) {
      throw EmbeddingsError.invalid('score_threshold', 'must be a finite number');
    }

    // 2. The query vector.
    let vector: ArrayLike<number>;
    if (input.vector) {
      if (input.vector.length !== collection.dimension) {
        throw EmbeddingsError.dimensionMismatch('vector', input.vector.length, collection.dimension);
      }
      vector = input.vector;
    } else if (input.text !== undefined) {
      if (input.text.trim().length === 0) {
        throw new EmbeddingsError('EMBEDDINGS.EMPTY_TEXT', 'text is empty; give a query text or a vector', 'text');
      }
      const model = await this.models.resolve({
        kind: 'version',
        name: modelName(collection),
        version: collection.modelVersion,
      });
      vector = (await model.encoder.embed([input.text], { normalize: true })).vectors[0] as Float32Array;
    } else {
      throw EmbeddingsError.invalid('query', 'give a text or a vector');
    }

    // 3. Search; the threshold drops weak hits (top_k bounds how many are read).
    const started = performance.now();
    const hits = await this.store.search(collection.name, {
      vector,
      topK,
      filter,
      efSearch,
      includeVectors: input.includeVectors,
    });
    const searchTimeMs = performance.now() - started;
    const threshold = input.scoreThreshold;
    return { hits: threshold === undefined ? hits : hits.filter((h) => h.score >= threshold), searchTimeMs };
  }
}
