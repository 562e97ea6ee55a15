import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { training } from '@neuroforge/contracts';
import type { FastifyRequest } from 'fastify';
import { callerMetadata } from '../../application/generation/generation.service';
import { RequirePermission } from '../../edge/route-policy';
import { ApiRoute, ValidBody, ValidParams } from '../../edge/validation';
import { Upstreams } from '../../infrastructure/grpc/upstreams';
import {
  overridesToProto,
  StartTrainingRequest,
  StopTrainingRequest,
  TrainingJobParams,
  TrainingJobView,
  trainingJobView,
} from '../../schemas/training.schemas';
import { principalOf } from './generate.http.controller';

const UNAVAILABLE_NOTE = 'While the training service is not answering, these routes return 503 TRAINING.UNAVAILABLE.';

/** Training jobs, served by the training service. */
@Controller('api/v1/training')
export class TrainingHttpController {
  constructor(@Inject(Upstreams) private readonly upstreams: Upstreams) {}

  @Post('start')
  @HttpCode(202)
  @RequirePermission('training:write')
  @ApiRoute({
    summary: 'Queue a training job',
    description: UNAVAILABLE_NOTE,
    tags: ['training'],
    body: StartTrainingRequest,
    response: TrainingJobView,
    status: 202,
  })
  async start(@ValidBody() body: StartTrainingRequest, @Req() request: FastifyRequest) {
    const { job } = await this.upstreams.training.unary<training.StartJobRequest, training.StartJobResponse>(
      'StartJob',
      {
        name: body.name ?? '',
        datasetId: body.dataset_id,
        ...(body.base_model !== undefined && { baseModel: body.base_model }),
        training: overridesToProto(body.training) as training.TrainingConfig | null,
        model: overridesToProto(body.model) as training.ModelConfig | null,
        ...(body.register_as !== undefined && { registerAs: body.register_as }),
        ...(body.register_alias !== undefined && { registerAlias: body.register_alias }),
      },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return trainingJobView(job);
  }

  @Get(':id/status')
  @RequirePermission('training:read')
  @ApiRoute({
    summary: 'A training job and its latest progress',
    description: UNAVAILABLE_NOTE,
    tags: ['training'],
    params: TrainingJobParams,
    response: TrainingJobView,
  })
  async status(@ValidParams() params: { id: string }, @Req() request: FastifyRequest) {
    const { job } = await this.upstreams.training.unary<training.GetJobRequest, training.GetJobResponse>(
      'GetJob',
      { jobId: params.id },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return trainingJobView(job);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @RequirePermission('training:write')
  @ApiRoute({
    summary: 'Stop a training job',
    description: UNAVAILABLE_NOTE,
    tags: ['training'],
    params: TrainingJobParams,
    body: StopTrainingRequest,
    response: TrainingJobView,
  })
  async stop(
    @ValidParams() params: { id: string },
    @ValidBody() body: { reason?: string } | undefined,
    @Req() request: FastifyRequest,
  ) {
    const { job } = await this.upstreams.training.unary<training.StopJobRequest, training.StopJobResponse>(
      'StopJob',
      { jobId: params.id, reason: body?.reason ?? '' },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return trainingJobView(job);
  }
}
