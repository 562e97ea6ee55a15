// Upsert: documents without a vector are embedded with the collection's model version; vectors given by the caller
// must have the collection's dimension. Written idempotently by id (INSERT … ON CONFLICT DO UPDATE), then recorded
// on the collection's stream.
import { Inject, Injectable } from '@nestjs/common';
import { EmbeddingsError } from '../../domain/embeddings-error';
import type { JsonValue } from '../../domain/metadata-filter';
import { EMBEDDINGS_SETTINGS, type EmbeddingsSettings } from '../../infrastructure/embeddings-settings';
import { CollectionStream } from '../collection-stream';
import { loadCollection } from '../collections/load-collection';
import { EMBEDDING_MODELS, type EmbeddingModels } from '../ports/embedding-models.port';
import { type DocumentRow, VECTOR_STORE, type VectorStore } from '../ports/vector-store.port';

export interface DocumentInput {
  readonly id: string;
  readonly text: string;
  readonly metadata: { [key: string]: JsonValue } | null;
  readonly vector: readonly number[] | null;
}

export interface UpsertInput {
  readonly collection: string;
  readonly documents: readonly DocumentInput[];
}

const MAX_ID_LENGTH = 256;

@Injectable()
export class UpsertDocumentsHandler {
  constructor(
    @Inject(CollectionStream) private readonly stream: CollectionStream,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(EMBEDDING_MODELS) private readonly models: EmbeddingModels,
    @Inject(EMBEDDINGS_SETTINGS) private readonly settings: EmbeddingsSettings,
  ) {}

  async execute(input: UpsertInput): Promise<{ ids: string[]; embeddedCount: number }> {
    // 1. Validate against the collection.
    const collection = await loadCollection(this.store, input.collection);
    const docs = input.documents;
    if (docs.length === 0) throw EmbeddingsError.invalid('documents', 'give at least one document');
    if (docs.length > this.settings.maxUpsertDocuments) {
      throw new EmbeddingsError(
        'EMBEDDINGS.BATCH_TOO_LARGE',
        `documents: ${docs.length} in one request; at most ${this.settings.maxUpsertDocuments} (split the batch)`,
        'documents',
      );
    }
    const seen = new Set<string>();
    docs.forEach((d, i) => {
      if (d.id.length === 0 || d.id.length > MAX_ID_LENGTH) {
        throw EmbeddingsError.invalid(`documents[${i}].id`, `must be 1 to ${MAX_ID_LENGTH} characters`);
      }
      if (seen.has(d.id)) throw EmbeddingsError.invalid(`documents[${i}].id`, `'${d.id}' appears twice in the request`);
      seen.add(d.id);
      if (d.vector) {
        if (d.vector.length !== collection.dimension) {
          throw EmbeddingsError.dimensionMismatch(`documents[${i}].vector`, d.vector.length, collection.dimension);
        }
        if (!d.vector.every(Number.isFinite))
          throw EmbeddingsError.invalid(`documents[${i}].vector`, 'has a non-finite value');
      } else if (d.text.trim().length === 0) {
        throw new EmbeddingsError(
          'EMBEDDINGS.EMPTY_TEXT',
          `documents[${i}] has neither text nor a vector; give one`,
          `documents[${i}].text`,
        );
      }
    });

    // 2. Embed the documents that came without a vector, with the version the collection's vectors come from.
    const toEmbed = docs.filter((d) => !d.vector);
    const embedded = new Map<string, Float32Array>();
    if (toEmbed.length > 0) {
      const model = await this.models.resolve({
        kind: 'version',
        name: modelName(collection),
        version: collection.modelVersion,
      });
      const out = await model.encoder.embed(
        toEmbed.map((d) => d.text),
        { normalize: true },
      );
      for (const [i, d] of toEmbed.entries()) embedded.set(d.id, out.vectors[i] as Float32Array);
    }
    const rows: DocumentRow[] = docs.map((d) => ({
      id: d.id,
      text: d.text,
      metadata: d.metadata ?? {},
      vector: d.vector ?? (embedded.get(d.id) as Float32Array),
      embedded: !d.vector,
    }));

    // 3. Write, then record on the stream.
    await this.store.upsert(collection.name, rows);
    const ids = docs.map((d) => d.id);
    await this.stream.execute(collection.name, {
      type: 'record_documents_upserted',
      data: { ids, embeddedCount: toEmbed.length },
    });
    return { ids, embeddedCount: toEmbed.length };
  }
}

/** The registry model name behind a collection's reference ("name", "name@alias", "name:version"). */
export function modelName(collection: { model: string; followsModel: string }): string {
  return collection.followsModel || collection.model.split(/[@:]/)[0] || collection.model;
}
