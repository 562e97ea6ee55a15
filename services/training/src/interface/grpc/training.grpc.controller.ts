// training.v1.TrainingService over gRPC: validate the request, run the use case, map the result. Failures
// become statuses in GrpcErrorFilter (the one place).
import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { training } from '@neuroforge/contracts';
import { GrpcErrorFilter, toGrpcError } from '@neuroforge/service-kit';
import { Observable } from 'rxjs';
import { DatasetRepository } from '../../application/dataset.repository';
import { JobRepository } from '../../application/job.repository';
import { JOBS_VIEW, type JobsView } from '../../application/ports/jobs-view.port';
import { RegisterDatasetHandler } from '../../application/register-dataset/register-dataset.handler';
import { StartJobHandler } from '../../application/start-job/start-job.handler';
import { StopJobHandler } from '../../application/stop-job/stop-job.handler';
import { WatchJobHandler } from '../../application/watch-job/watch-job.handler';
import { TRAINING_GRPC_ERRORS } from './grpc-errors';
import { datasetMessage, jobMessage, progressMessage } from './job.mapper';
import {
  datasetId,
  encodePageToken,
  jobId,
  listJobsQuery,
  registerDatasetCommand,
  startJobCommand,
} from './request-validation';

/** The caller's user id, set by the gateway. */
export const USER_ID_METADATA = 'neuroforge-user-id';

function userId(metadata: Metadata | undefined): string {
  const value = metadata?.get(USER_ID_METADATA)[0];
  return typeof value === 'string' ? value : '';
}

@Controller()
@UseFilters(GrpcErrorFilter)
@training.TrainingServiceControllerMethods()
export class TrainingGrpcController implements training.TrainingServiceController {
  constructor(
    @Inject(StartJobHandler) private readonly startJobHandler: StartJobHandler,
    @Inject(StopJobHandler) private readonly stopJobHandler: StopJobHandler,
    @Inject(WatchJobHandler) private readonly watchJobHandler: WatchJobHandler,
    @Inject(RegisterDatasetHandler) private readonly registerDatasetHandler: RegisterDatasetHandler,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
    @Inject(JOBS_VIEW) private readonly view: JobsView,
  ) {}

  async startJob(request: training.StartJobRequest, metadata?: Metadata): Promise<training.StartJobResponse> {
    return { job: jobMessage(await this.startJobHandler.execute(startJobCommand(request, userId(metadata)))) };
  }

  async getJob(request: training.GetJobRequest): Promise<training.GetJobResponse> {
    return { job: jobMessage(await this.jobs.get(jobId(request))) };
  }

  async listJobs(request: training.ListJobsRequest): Promise<training.ListJobsResponse> {
    const query = listJobsQuery(request);
    const page = await this.view.list(query);
    return {
      jobs: page.jobs.map(jobMessage),
      nextPageToken: page.hasMore ? encodePageToken(query.offset + query.limit) : '',
    };
  }

  async stopJob(request: training.StopJobRequest, metadata?: Metadata): Promise<training.StopJobResponse> {
    const snapshot = await this.stopJobHandler.execute({
      jobId: jobId(request),
      reason: request.reason,
      stoppedByUserId: userId(metadata),
    });
    return { job: jobMessage(snapshot) };
  }

  watchJob(request: training.WatchJobRequest): Observable<training.WatchJobResponse> {
    // Mapped here with the same function; the exception filter passes an already-mapped error through unchanged.
    return new Observable<training.WatchJobResponse>((subscriber) => {
      let cancelled = false;
      void (async () => {
        try {
          for await (const report of this.watchJobHandler.watch(jobId(request), () => cancelled)) {
            if (cancelled) return;
            subscriber.next({ progress: progressMessage(report.progress, report.evaluation) });
          }
          subscriber.complete();
        } catch (error) {
          subscriber.error(toGrpcError(error, TRAINING_GRPC_ERRORS));
        }
      })();
      return () => {
        cancelled = true;
      };
    });
  }

  async registerDataset(request: training.RegisterDatasetRequest): Promise<training.RegisterDatasetResponse> {
    return { dataset: datasetMessage(await this.registerDatasetHandler.execute(registerDatasetCommand(request))) };
  }

  async getDataset(request: training.GetDatasetRequest): Promise<training.GetDatasetResponse> {
    return { dataset: datasetMessage(await this.datasets.get(datasetId(request))) };
  }
}
