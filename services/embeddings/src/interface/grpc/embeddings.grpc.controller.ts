// neuroforge.embeddings.v1.EmbeddingsService: maps proto requests to use-case inputs and results back; every
// failure becomes a status in the service kit's GrpcErrorFilter (the codes' statuses are in grpc-errors.ts).
import { Controller, Inject, UseFilters } from '@nestjs/common';
import type { embeddings } from '@neuroforge/contracts';
import { embeddings as contract } from '@neuroforge/contracts';
import { GrpcErrorFilter } from '@neuroforge/service-kit';
import { CollectionQueriesHandler } from '../../application/collections/collection-queries.handler';
import { CreateCollectionHandler } from '../../application/collections/create-collection.handler';
import { DeleteCollectionHandler } from '../../application/collections/delete-collection.handler';
import { DeleteDocumentsHandler } from '../../application/documents/delete-documents.handler';
import { UpsertDocumentsHandler } from '../../application/documents/upsert-documents.handler';
import { EmbedHandler } from '../../application/embed/embed.handler';
import { SearchHandler } from '../../application/search/search.handler';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { distanceFromProto, toCollection, toHit } from './collection.mapper';

@Controller()
@UseFilters(GrpcErrorFilter)
@contract.EmbeddingsServiceControllerMethods()
export class EmbeddingsGrpcController implements embeddings.EmbeddingsServiceController {
  constructor(
    @Inject(EmbedHandler) private readonly embedHandler: EmbedHandler,
    @Inject(CreateCollectionHandler) private readonly createHandler: CreateCollectionHandler,
    @Inject(CollectionQueriesHandler) private readonly queries: CollectionQueriesHandler,
    @Inject(DeleteCollectionHandler) private readonly deleteCollectionHandler: DeleteCollectionHandler,
    @Inject(UpsertDocumentsHandler) private readonly upsertHandler: UpsertDocumentsHandler,
    @Inject(SearchHandler) private readonly searchHandler: SearchHandler,
    @Inject(DeleteDocumentsHandler) private readonly deleteDocumentsHandler: DeleteDocumentsHandler,
  ) {}

  async embed(request: embeddings.EmbedRequest): Promise<embeddings.EmbedResponse> {
    const out = await this.embedHandler.execute({
      model: request.model,
      texts: request.texts,
      normalize: request.normalize,
    });
    return {
      vectors: out.vectors.map((v) => ({ values: Array.from(v) })),
      model: out.model,
      dimension: out.dimension,
      promptTokens: out.promptTokens,
    };
  }

  async createCollection(request: embeddings.CreateCollectionRequest): Promise<embeddings.CreateCollectionResponse> {
    return {
      collection: toCollection(
        await this.createHandler.execute({
          name: request.name,
          model: request.model,
          dimension: request.dimension,
          distance: distanceFromProto(request.distance),
        }),
      ),
    };
  }

  async getCollection(request: embeddings.GetCollectionRequest): Promise<embeddings.GetCollectionResponse> {
    return {
      collection: toCollection(await this.queries.get(request.name)),
    };
  }

  async listCollections(request: embeddings.ListCollectionsRequest): Promise<embeddings.ListCollectionsResponse> {
    const page = await this.queries.list(request.pageSize, request.pageToken);
    return { collections: page.collections.map(toCollection), nextPageToken: page.nextPageToken };
  }

  async deleteCollection(request: embeddings.DeleteCollectionRequest): Promise<embeddings.DeleteCollectionResponse> {
    return {
      deletedDocuments: String(await this.deleteCollectionHandler.execute(request.name)),
    };
  }

  async upsert(request: embeddings.UpsertRequest): Promise<embeddings.UpsertResponse> {
    return this.upsertHandler.execute({
      collection: request.collection,
      documents: request.documents.map((d) => ({
        id: d.id,
        text: d.text,
        metadata: d.metadata ?? null,
        vector: d.vector ? d.vector.values : null,
      })),
    });
  }

  async search(request: embeddings.SearchRequest): Promise<embeddings.SearchResponse> {
    const out = await this.searchHandler.execute({
      collection: request.collection,
      ...('vector' in request && request.vector ? { vector: request.vector.values } : {}),
      ...('text' in request && typeof request.text === 'string' ? { text: request.text } : {}),
      topK: request.topK,
      filter: request.filter ?? null,
      ...('scoreThreshold' in request && typeof request.scoreThreshold === 'number'
        ? { scoreThreshold: request.scoreThreshold }
        : {}),
      ...('efSearch' in request && typeof request.efSearch === 'number' ? { efSearch: request.efSearch } : {}),
      includeVectors: request.includeVectors,
    });
    return { hits: out.hits.map(toHit), searchTimeMs: out.searchTimeMs };
  }

  async delete(request: embeddings.DeleteRequest): Promise<embeddings.DeleteResponse> {
    const input =
      'ids' in request && request.ids
        ? { collection: request.collection, ids: request.ids.ids }
        : 'filter' in request && request.filter
          ? { collection: request.collection, filter: request.filter }
          : undefined;
    if (!input) throw EmbeddingsError.invalid('selector', 'give ids or a filter');
    return { deletedCount: String(await this.deleteDocumentsHandler.execute(input)) };
  }
}
