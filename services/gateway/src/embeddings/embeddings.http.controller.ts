// /api/v1/embeddings: Embed, collections, documents and search on the embeddings service (gRPC).
import { Controller, Delete, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { embeddings } from '@neuroforge/contracts';
import type { FastifyRequest } from 'fastify';
import { callerMetadata } from '../application/generation/generation.service';
import { RequirePermission } from '../edge/route-policy';
import { ApiRoute, ValidBody, ValidParams, ValidQuery } from '../edge/validation';
import { Upstreams } from '../infrastructure/grpc/upstreams';
import { principalOf } from '../interface/http/generate.http.controller';
import {
  CollectionList,
  CollectionParams,
  CollectionView,
  CreateCollectionBody,
  collectionView,
  DeleteDocumentsBody,
  DeletedAnswer,
  distanceToProto,
  EmbedAnswer,
  EmbedBody,
  hitView,
  ListCollectionsQuery,
  SearchAnswer,
  SearchBody,
  UpsertAnswer,
  UpsertBody,
} from './embeddings.schemas';

@Controller('api/v1/embeddings')
export class EmbeddingsHttpController {
  constructor(@Inject(Upstreams) private readonly upstreams: Upstreams) {}

  private call<Req, Res>(method: string, body: Req, request: FastifyRequest): Promise<Res> {
    return this.upstreams.embeddings.unary<Req, Res>(method, body, {
      metadata: callerMetadata(principalOf(request)),
    });
  }

  @Post()
  @HttpCode(200)
  @RequirePermission('embeddings:read')
  @ApiRoute({ summary: 'Embed texts', tags: ['embeddings'], body: EmbedBody, response: EmbedAnswer })
  async embed(@ValidBody() body: EmbedBody, @Req() request: FastifyRequest) {
    const answer = await this.call<embeddings.EmbedRequest, embeddings.EmbedResponse>(
      'Embed',
      { model: body.model ?? '', texts: body.texts, normalize: body.normalize ?? true },
      request,
    );
    return {
      model: answer.model,
      dimension: answer.dimension,
      vectors: answer.vectors.map((v) => v.values),
      prompt_tokens: answer.promptTokens,
    };
  }

  @Get('collections')
  @RequirePermission('embeddings:read')
  @ApiRoute({
    summary: 'List collections',
    tags: ['embeddings'],
    query: ListCollectionsQuery,
    response: CollectionList,
  })
  async list(@ValidQuery() query: ListCollectionsQuery, @Req() request: FastifyRequest) {
    const answer = await this.call<embeddings.ListCollectionsRequest, embeddings.ListCollectionsResponse>(
      'ListCollections',
      { pageSize: query.page_size ?? 0, pageToken: query.page_token ?? '' },
      request,
    );
    return { collections: answer.collections.map(collectionView), next_page_token: answer.nextPageToken };
  }

  @Post('collections')
  @HttpCode(201)
  @RequirePermission('embeddings:write')
  @ApiRoute({
    summary: 'Create a collection',
    tags: ['embeddings'],
    body: CreateCollectionBody,
    response: CollectionView,
    status: 201,
  })
  async create(@ValidBody() body: CreateCollectionBody, @Req() request: FastifyRequest) {
    const { collection } = await this.call<embeddings.CreateCollectionRequest, embeddings.CreateCollectionResponse>(
      'CreateCollection',
      {
        name: body.name,
        model: body.model ?? '',
        dimension: body.dimension ?? 0,
        distance: distanceToProto(body.distance),
      },
      request,
    );
    return collectionView(collection as embeddings.Collection);
  }

  @Get('collections/:name')
  @RequirePermission('embeddings:read')
  @ApiRoute({
    summary: 'Get a collection (with its re-embedding progress)',
    tags: ['embeddings'],
    params: CollectionParams,
    response: CollectionView,
  })
  async get(@ValidParams() params: { name: string }, @Req() request: FastifyRequest) {
    const { collection } = await this.call<embeddings.GetCollectionRequest, embeddings.GetCollectionResponse>(
      'GetCollection',
      { name: params.name },
      request,
    );
    return collectionView(collection as embeddings.Collection);
  }

  @Delete('collections/:name')
  @RequirePermission('embeddings:write')
  @ApiRoute({
    summary: 'Delete a collection and its documents',
    tags: ['embeddings'],
    params: CollectionParams,
    response: DeletedAnswer,
  })
  async remove(@ValidParams() params: { name: string }, @Req() request: FastifyRequest) {
    const answer = await this.call<embeddings.DeleteCollectionRequest, embeddings.DeleteCollectionResponse>(
      'DeleteCollection',
      { name: params.name },
      request,
    );
    return { deleted_count: Number(answer.deletedDocuments) };
  }

  @Post('collections/:name/documents')
  @HttpCode(200)
  @RequirePermission('embeddings:write')
  @ApiRoute({
    summary: 'Upsert documents (embedding those without a vector)',
    tags: ['embeddings'],
    params: CollectionParams,
    body: UpsertBody,
    response: UpsertAnswer,
  })
  async upsert(@ValidParams() params: { name: string }, @ValidBody() body: UpsertBody, @Req() request: FastifyRequest) {
    const answer = await this.call<embeddings.UpsertRequest, embeddings.UpsertResponse>(
      'Upsert',
      {
        collection: params.name,
        documents: body.documents.map((d) => ({
          id: d.id,
          text: d.text,
          metadata: d.metadata ?? null,
          vector: d.vector ? { values: d.vector } : null,
        })),
      },
      request,
    );
    return { ids: answer.ids, embedded_count: answer.embeddedCount };
  }

  @Post('collections/:name/search')
  @HttpCode(200)
  @RequirePermission('embeddings:read')
  @ApiRoute({
    summary: 'Search a collection by text or vector',
    description: 'Scores are higher-is-nearer: cosine similarity, negative L2 distance or inner product.',
    tags: ['embeddings'],
    params: CollectionParams,
    body: SearchBody,
    response: SearchAnswer,
  })
  async search(@ValidParams() params: { name: string }, @ValidBody() body: SearchBody, @Req() request: FastifyRequest) {
    const answer = await this.call<Partial<embeddings.SearchRequest>, embeddings.SearchResponse>(
      'Search',
      {
        collection: params.name,
        ...(body.text !== undefined ? { text: body.text } : { vector: { values: body.vector ?? [] } }),
        topK: body.top_k ?? 0,
        filter: body.filter ?? null,
        ...(body.score_threshold !== undefined ? { scoreThreshold: body.score_threshold } : {}),
        ...(body.ef_search !== undefined ? { efSearch: body.ef_search } : {}),
        includeVectors: body.include_vectors ?? false,
      },
      request,
    );
    return { hits: answer.hits.map(hitView), search_time_ms: answer.searchTimeMs };
  }

  @Post('collections/:name/documents/delete')
  @HttpCode(200)
  @RequirePermission('embeddings:write')
  @ApiRoute({
    summary: 'Delete documents by ids or by metadata filter',
    tags: ['embeddings'],
    params: CollectionParams,
    body: DeleteDocumentsBody,
    response: DeletedAnswer,
  })
  async deleteDocuments(
    @ValidParams() params: { name: string },
    @ValidBody() body: DeleteDocumentsBody,
    @Req() request: FastifyRequest,
  ) {
    const answer = await this.call<Partial<embeddings.DeleteRequest>, embeddings.DeleteResponse>(
      'Delete',
      { collection: params.name, ...(body.ids ? { ids: { ids: body.ids } } : { filter: body.filter ?? {} }) },
      request,
    );
    return { deleted_count: Number(answer.deletedCount) };
  }
}
