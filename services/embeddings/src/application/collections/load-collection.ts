// The collection a document or search request names, or COLLECTION_NOT_FOUND.
import { EmbeddingsError } from '../../domain/embeddings-error';
import type { CollectionRecord, VectorStore } from '../ports/vector-store.port';
import { checkCollectionName } from './create-collection.handler';

export async function loadCollection(store: VectorStore, name: string): Promise<CollectionRecord> {
  checkCollectionName(name, 'collection');
  const record = await store.getCollection(name);
  if (!record) throw EmbeddingsError.collectionNotFound(name);
  return record;
}
