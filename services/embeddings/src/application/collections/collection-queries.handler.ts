// GetCollection and ListCollections, from the catalog (kept in step with the stream by the use cases).
import { Inject, Injectable } from '@nestjs/common';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { VECTOR_STORE, type VectorStore } from '../ports/vector-store.port';
import type { CollectionView } from './collection-view';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

@Injectable()
export class CollectionQueriesHandler {
  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {}

  async get(name: string): Promise<CollectionView> {
    const record = await this.store.getCollection(name);
    if (!record) throw EmbeddingsError.collectionNotFound(name);
    return { ...record, documentCount: await this.store.countDocuments(name) };
  }

  async list(pageSize: number, pageToken: string): Promise<{ collections: CollectionView[]; nextPageToken: string }> {
    const size = Math.min(pageSize || DEFAULT_PAGE, MAX_PAGE);
    let after = '';
    if (pageToken) {
      after = Buffer.from(pageToken, 'base64url').toString('utf8');
      if (!after) throw EmbeddingsError.invalid('page_token', 'is not a token from a previous response');
    }
    const records = await this.store.listCollections(after, size + 1);
    const page = records.slice(0, size);
    const collections = await Promise.all(
      page.map(async (r) => ({ ...r, documentCount: await this.store.countDocuments(r.name).catch(() => 0) })),
    );
    const last = page.at(-1);
    return {
      collections,
      nextPageToken: records.length > size && last ? Buffer.from(last.name, 'utf8').toString('base64url') : '',
    };
  }
}
