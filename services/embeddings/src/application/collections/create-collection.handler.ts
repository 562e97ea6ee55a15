// CreateCollection: check the model (its embedding size must equal the dimension), decide on the Collection
// stream, then materialise the table, index and catalog row. A retry after a crash between the two steps finds
// the stream already created and materialises what is missing.
import { Inject, Injectable } from '@nestjs/common';
import type { CollectionState } from '../../domain/collection.decider';
import { COLLECTION_NAME, DISTANCES, type Distance, MAX_DIMENSION } from '../../domain/collection.types';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { parseModelRef } from '../../domain/model-ref';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from '../../infrastructure/embeddings-settings';
import { CollectionStream } from '../collection-stream';
import { EMBEDDING_MODELS, type EmbeddingModels } from '../ports/embedding-models.port';
import { VECTOR_STORE, type VectorStore } from '../ports/vector-store.port';
import type { CollectionView } from './collection-view';

export interface CreateCollectionInput {
  readonly name: string;
  readonly model: string;
  /** 0: take the model's embedding size. */
  readonly dimension: number;
  readonly distance: Distance | undefined;
}

export function checkCollectionName(name: string, field = 'name'): void {
  if (!COLLECTION_NAME.test(name)) {
    throw EmbeddingsError.invalid(
      field,
      `must be 1 to 48 lower-case letters, digits, "-" or "_", starting with a letter or digit; got ${JSON.stringify(name)}`,
    );
  }
}

@Injectable()
export class CreateCollectionHandler {
  constructor(
    @Inject(CollectionStream) private readonly stream: CollectionStream,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(EMBEDDING_MODELS) private readonly models: EmbeddingModels,
    @Inject(EMBEDDINGS_SETTINGS) private readonly settings: EmbeddingsSettings,
  ) {}

  async execute(input: CreateCollectionInput): Promise<CollectionView> {
    // 1. Validate.
    checkCollectionName(input.name);
    if (!input.distance || !DISTANCES.includes(input.distance)) {
      throw EmbeddingsError.invalid('distance', 'must be DISTANCE_COSINE, DISTANCE_L2 or DISTANCE_INNER_PRODUCT');
    }
    const modelText = input.model.trim() || this.settings.defaultModel;
    const model = await this.models.resolve(parseModelRef(modelText, this.settings.defaultModel));
    const modelDimension = model.encoder.dimension;
    const dimension = input.dimension || modelDimension;
    if (dimension !== modelDimension) {
      throw new EmbeddingsError(
        'EMBEDDINGS.DIMENSION_MISMATCH',
        `dimension ${dimension} does not match model ${model.name}:${model.version}, which embeds into ${modelDimension} dimensions`,
        'dimension',
      );
    }
    if (dimension > MAX_DIMENSION) throw EmbeddingsError.invalid('dimension', `at most ${MAX_DIMENSION}`);

    // 2. Decide on the stream (ALREADY_EXISTS when active).
    const existing = await this.store.getCollection(input.name);
    let state: CollectionState;
    try {
      ({ state } = await this.stream.execute(input.name, {
        type: 'create_collection',
        data: { name: input.name, model: modelText, modelVersion: model.version, dimension, distance: input.distance },
      }));
    } catch (error) {
      // Created on the stream but never materialised (a crash in between): repair instead of refusing.
      if (!(error instanceof EmbeddingsError) || error.code !== 'EMBEDDINGS.COLLECTION_ALREADY_EXISTS' || existing) {
        throw error;
      }
      state = await this.stream.state(input.name);
    }

    // 3. Materialise: table, HNSW index and catalog row, from the stream's state.
    const record = await this.store.createCollection({
      name: state.name,
      model: state.model,
      followsModel: model.followsAlias?.name ?? '',
      followsAlias: model.followsAlias?.alias ?? '',
      modelVersion: state.modelVersion,
      dimension: state.dimension,
      distance: state.distance,
    });
    return { ...record, documentCount: 0 };
  }
}
