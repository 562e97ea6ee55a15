// ListModels' queries on the `models` read model.
import type { mongo } from 'mongoose';
import type { ModelCatalog, ModelListing, ModelListQuery } from '../../application/ports/model-catalog.port';

type ListingDocument = ModelListing & { _id: string; _version: number };

export class MongoModelCatalog implements ModelCatalog {
  constructor(private readonly collection: mongo.Collection<ListingDocument>) {}

  /** Indexes for the list query; idempotent. */
  async init(): Promise<void> {
    // One index per command: FerretDB v1.24 drops the connection when one createIndexes lists several existing ones.
    await this.collection.createIndexes([{ key: { name: 1 }, name: 'name' }]);
    await this.collection.createIndexes([{ key: { tags: 1, name: 1 }, name: 'tags_name' }]);
  }

  async list(query: ModelListQuery): Promise<{ models: ModelListing[]; more: boolean }> {
    const filter: Record<string, unknown> = {};
    if (!query.includeDeleted) filter.deleted = false;
    if (query.architecture) filter.architecture = query.architecture;
    if (query.tag) filter.tags = query.tag;
    if (query.afterName) filter.name = { $gt: query.afterName };
    const docs = await this.collection
      .find(filter as mongo.Filter<ListingDocument>)
      .sort({ name: 1 })
      .limit(query.pageSize + 1)
      .toArray();
    const models = docs.slice(0, query.pageSize).map(({ _id, _version, ...listing }) => listing);
    return { models, more: docs.length > query.pageSize };
  }
}
