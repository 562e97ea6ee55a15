// DeleteCollection: decide on the stream (NOT_FOUND unless active), then drop the table and the catalog row.
import { Inject, Injectable } from '@nestjs/common';
import { CollectionStream } from '../collection-stream';
import { VECTOR_STORE, type VectorStore } from '../ports/vector-store.port';
import { checkCollectionName } from './create-collection.handler';

@Injectable()
export class DeleteCollectionHandler {
  constructor(
    @Inject(CollectionStream) private readonly stream: CollectionStream,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
  ) {}

  async execute(name: string): Promise<number> {
    checkCollectionName(name);
    const count = await this.store.countDocuments(name).catch(() => 0);
    await this.stream.execute(name, { type: 'delete_collection', data: { name, deletedDocuments: count } });
    return this.store.dropCollection(name);
  }
}
