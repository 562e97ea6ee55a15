import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { training } from '@neuroforge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerMetadata } from '../../application/generation/generation.service';
import { TrainingWatcher } from '../../application/watch-training/training-watch';
import { RequirePermission } from '../../edge/route-policy';
import { ApiRoute, ValidBody, ValidParams } from '../../edge/validation';
import { Upstreams } from '../../infrastructure/grpc/upstreams';
import {
  DATASET_FORMAT_TO_PROTO,
  DatasetView,
  datasetView,
  overridesToProto,
  RegisterDatasetRequest,
  StartTrainingRequest,
  StopTrainingRequest,
  TrainingJobParams,
  TrainingJobView,
  trainingJobView,
} from '../../schemas/training.schemas';
import { principalOf } from './generate.http.controller';
import { SseWriter } from './sse';

const UNAVAILABLE_NOTE = 'While the training service is not answering, these routes return 503 TRAINING.UNAVAILABLE.';

/** A comment line this often keeps proxies from closing a quiet stream (a job may report nothing for a while). */
const KEEP_ALIVE_MS = 15_000;

const EVENTS_DESCRIPTION =
  'Server-sent events: one `event: state` with the job as /status shows it, then `event: progress` with ' +
  '`{job_id, state, step, max_steps, loss, learning_rate, tokens_per_second, eta_seconds, reported_at, eval_loss, ' +
  'eval_step}` for each report (about one a second while the job runs), `event: evaluation` with ' +
  '`{job_id, step, eval_loss}` for each held-out evaluation (every eval_every_steps steps), `event: state` again if the job goes back to the queue or ' +
  'starts running, and a last `event: done` with the job in its terminal state (completed, failed or stopped); ' +
  'then the stream closes. A job that has already ended gets `state` and `done` at once. An unknown job is a ' +
  'plain 404 TRAINING.JOB_NOT_FOUND; a failure after the stream started is one `event: error` with the error ' +
  'envelope. Closing the connection ends the watch.';

/** Training jobs and datasets, served by the training service. */
@Controller('api/v1/training')
export class TrainingHttpController {
  constructor(
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(TrainingWatcher) private readonly watcher: TrainingWatcher,
  ) {}

  @Post('datasets')
  @HttpCode(201)
  @RequirePermission('training:write')
  @ApiRoute({
    summary: 'Register a dataset from its content',
    description:
      'The training service checks the format (every JSONL line a JSON object with a non-empty string `text`; ' +
      'problems named by line) and stores the bytes content-addressed. ' +
      UNAVAILABLE_NOTE,
    tags: ['training'],
    body: RegisterDatasetRequest,
    response: DatasetView,
    status: 201,
  })
  async registerDataset(@ValidBody() body: RegisterDatasetRequest, @Req() request: FastifyRequest) {
    const { dataset } = await this.upstreams.training.unary<
      training.RegisterDatasetRequest,
      training.RegisterDatasetResponse
    >(
      'RegisterDataset',
      {
        name: body.name,
        format: DATASET_FORMAT_TO_PROTO[body.format],
        sha256: body.sha256 ?? '',
        content: Buffer.from(body.content, 'utf8'),
      },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return datasetView(dataset);
  }

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

  @Get(':id/events')
  @RequirePermission('training:read')
  @ApiRoute({
    summary: "A training job's progress as a stream of server-sent events",
    description: `${EVENTS_DESCRIPTION} ${UNAVAILABLE_NOTE}`,
    tags: ['training'],
    params: TrainingJobParams,
    produces: 'text/event-stream',
  })
  async events(
    @ValidParams() params: { id: string },
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Opened (and the job read) before answering: an unknown job or a down service is a plain HTTP error.
    const watch = await this.watcher.open(params.id, callerMetadata(principalOf(request)));
    const sse = new SseWriter(request, reply);
    sse.onClose(() => watch.cancel());
    const keepAlive = setInterval(() => sse.comment('keep-alive'), KEEP_ALIVE_MS);
    try {
      for await (const event of watch) {
        if (event.type === 'progress') sse.send(event.progress, 'progress');
        else if (event.type === 'evaluation') sse.send(event.evaluation, 'evaluation');
        else sse.send(event.job, event.type);
      }
    } catch (error) {
      sse.fail(error);
    } finally {
      clearInterval(keepAlive);
      watch.cancel();
      sse.end();
    }
  }

  @Post(':id/stop')
  @HttpCode(200)
  @RequirePermission('training:write')
  @ApiRoute({
    summary: 'Stop a training job',
    description: `A running job stops at its next step and keeps its last checkpoint; the answer comes once it stopped (or after 15 s, as it is then). ${UNAVAILABLE_NOTE}`,
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
      // StopJob waits up to 15 s for the worker to stop.
      { metadata: callerMetadata(principalOf(request)), timeoutMs: 30_000 },
    );
    return trainingJobView(job);
  }
}
