import { Controller, Delete, Get, HttpCode, Inject, Post, Put, Req } from '@nestjs/common';
import type { models } from '@neuroforge/contracts';
import type { FastifyRequest } from 'fastify';
import { callerMetadata } from '../../application/generation/generation.service';
import { RequirePermission } from '../../edge/route-policy';
import { ApiRoute, ValidBody, ValidParams, ValidQuery } from '../../edge/validation';
import { Upstreams } from '../../infrastructure/grpc/upstreams';
import {
  architectureToProto,
  CreateModelRequest,
  ListModelsQuery,
  ModelIdParams,
  ModelList,
  ModelView,
  modelView,
  UpdateModelRequest,
} from '../../schemas/models.schemas';
import { principalOf } from './generate.http.controller';

/** The model registry over REST: `{id}` is the model's unique name. */
@Controller('api/v1/models')
export class ModelsHttpController {
  constructor(@Inject(Upstreams) private readonly upstreams: Upstreams) {}

  @Get()
  @RequirePermission('models:read')
  @ApiRoute({ summary: 'List models', tags: ['models'], query: ListModelsQuery, response: ModelList })
  async list(@ValidQuery() query: ListModelsQuery, @Req() request: FastifyRequest) {
    const answer = await this.upstreams.models.unary<models.ListModelsRequest, models.ListModelsResponse>(
      'ListModels',
      {
        pageSize: query.page_size ?? 0,
        pageToken: query.page_token ?? '',
        architecture: query.architecture
          ? architectureToProto(query.architecture)
          : ('ARCHITECTURE_UNSPECIFIED' as models.Architecture),
        tag: query.tag ?? '',
        includeDeleted: query.include_deleted ?? false,
      },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return { models: answer.models.map(modelView), next_page_token: answer.nextPageToken };
  }

  @Post()
  @HttpCode(201)
  @RequirePermission('models:write')
  @ApiRoute({ summary: 'Create a model', tags: ['models'], body: CreateModelRequest, response: ModelView, status: 201 })
  async create(@ValidBody() body: CreateModelRequest, @Req() request: FastifyRequest) {
    const { model } = await this.upstreams.models.unary<models.CreateModelRequest, models.CreateModelResponse>(
      'CreateModel',
      {
        name: body.name,
        architecture: architectureToProto(body.architecture),
        description: body.description ?? '',
        tags: body.tags ?? [],
      },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return modelView(required(model));
  }

  @Get(':id')
  @RequirePermission('models:read')
  @ApiRoute({ summary: 'Get a model', tags: ['models'], params: ModelIdParams, response: ModelView })
  async get(@ValidParams() params: { id: string }, @Req() request: FastifyRequest) {
    const { model } = await this.upstreams.models.unary<models.GetModelRequest, models.GetModelResponse>(
      'GetModel',
      { name: params.id, includeDeleted: false },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return modelView(required(model));
  }

  @Put(':id')
  @RequirePermission('models:write')
  @ApiRoute({
    summary: 'Update a model',
    description: 'Fields left out keep their value; `tags` replaces the whole list.',
    tags: ['models'],
    params: ModelIdParams,
    body: UpdateModelRequest,
    response: ModelView,
  })
  async update(
    @ValidParams() params: { id: string },
    @ValidBody() body: UpdateModelRequest,
    @Req() request: FastifyRequest,
  ) {
    const { model } = await this.upstreams.models.unary<models.UpdateModelRequest, models.UpdateModelResponse>(
      'UpdateModel',
      {
        name: params.id,
        ...(body.description !== undefined && { description: body.description }),
        tags: body.tags !== undefined ? { tags: body.tags } : null,
      },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return modelView(required(model));
  }

  @Delete(':id')
  @RequirePermission('models:write')
  @ApiRoute({ summary: 'Delete a model (soft)', tags: ['models'], params: ModelIdParams, response: ModelView })
  async remove(@ValidParams() params: { id: string }, @Req() request: FastifyRequest) {
    const { model } = await this.upstreams.models.unary<models.DeleteModelRequest, models.DeleteModelResponse>(
      'DeleteModel',
      { name: params.id },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return modelView(required(model));
  }
}

function required<T>(value: T | null | undefined): T {
  if (value == null) throw new Error('the model registry answered without a model');
  return value;
}
