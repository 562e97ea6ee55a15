// Delete: by ids, or by metadata filter (the same syntax as search filters); recorded on the collection's stream.
import { Inject, Injectable } from '@nestjs/common';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { parseMetadataFilter } from '../../domain/metadata-filter';
import { CollectionStream } from '../collection-stream';
import { loadCollection } from '../collections/load-collection';
import { VECTOR_STORE, type VectorStore } from '../ports/vector-store.port';

export type DeleteInput =
  | { readonly collection: string; readonly ids: readonly string[] }
  | { readonly collection: string; readonly filter: unknown };

@Injectable()
export class DeleteDocumentsHandler {
  constructor(
    @Inject(CollectionStream) private readonly stream: CollectionStream,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
  ) {}

  async execute(input: DeleteInput): Promise<number> {
    const collection = await loadCollection(this.store, input.collection);
    let deleted: string[];
    if ('ids' in input) {
      if (input.ids.length === 0 || input.ids.length > 10_000)
        throw EmbeddingsError.invalid('ids', 'give 1 to 10000 ids');
      deleted = await this.store.deleteByIds(collection.name, input.ids);
    } else {
      const filter = parseMetadataFilter(input.filter);
      // An empty filter would delete everything: DeleteCollection says that more clearly.
      if (filter.length === 0) {
        throw new EmbeddingsError(
          'EMBEDDINGS.INVALID_FILTER',
          'filter: an empty filter would delete every document; name a condition (or delete the collection)',
          'filter',
        );
      }
      deleted = await this.store.deleteByFilter(collection.name, filter);
    }
    await this.stream.execute(collection.name, {
      type: 'record_documents_deleted',
      data: { ids: deleted, deletedCount: deleted.length },
    });
    return deleted.length;
  }
}
