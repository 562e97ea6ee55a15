// Embed: texts → one vector per text from a model version (mean-pooled, optionally L2-normalised hidden states).
import { Inject, Injectable } from '@nestjs/common';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { parseModelRef } from '../../domain/model-ref';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from '../../infrastructure/embeddings-settings';
import { EMBEDDING_MODELS, type EmbeddingModels } from '../ports/embedding-models.port';

export interface EmbedInput {
  readonly model: string;
  readonly texts: readonly string[];
  readonly normalize: boolean;
}

export interface EmbedOutput {
  readonly vectors: Float32Array[];
  /** "name:version". */
  readonly model: string;
  readonly dimension: number;
  readonly promptTokens: number;
}

/** Every text non-empty and the batch bounded; `field` is the request field of the list. */
export function checkTexts(texts: readonly string[], max: number, field = 'texts'): void {
  if (texts.length === 0) throw EmbeddingsError.invalid(field, 'give at least one text');
  if (texts.length > max) {
    throw new EmbeddingsError(
      'EMBEDDINGS.BATCH_TOO_LARGE',
      `${field}: ${texts.length} texts in one request; at most ${max} (split the batch)`,
      field,
    );
  }
  texts.forEach((text, i) => {
    if (text.trim().length === 0) {
      throw new EmbeddingsError(
        'EMBEDDINGS.EMPTY_TEXT',
        `${field}[${i}] is empty; every text needs content`,
        `${field}[${i}]`,
      );
    }
  });
}

@Injectable()
export class EmbedHandler {
  constructor(
    @Inject(EMBEDDING_MODELS) private readonly models: EmbeddingModels,
    @Inject(EMBEDDINGS_SETTINGS) private readonly settings: EmbeddingsSettings,
  ) {}

  async execute(input: EmbedInput): Promise<EmbedOutput> {
    checkTexts(input.texts, this.settings.maxEmbedTexts);
    const model = await this.models.resolve(parseModelRef(input.model, this.settings.defaultModel));
    const out = await model.encoder.embed(input.texts, { normalize: input.normalize });
    return {
      vectors: out.vectors,
      model: `${model.name}:${model.version}`,
      dimension: model.encoder.dimension,
      promptTokens: out.tokens,
    };
  }
}
