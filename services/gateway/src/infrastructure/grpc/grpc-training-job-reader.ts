import { Inject, Injectable } from '@nestjs/common';
import type { training } from '@neuroforge/contracts';
import type { TrainingJobReader } from '../../application/watch-training/training-job-reader.port';
import { type TrainingJobView, trainingJobView } from '../../schemas/training.schemas';
import { Upstreams } from './upstreams';

/** GetJob on the training service. */
@Injectable()
export class GrpcTrainingJobReader implements TrainingJobReader {
  constructor(@Inject(Upstreams) private readonly upstreams: Upstreams) {}

  async get(jobId: string, metadata: Record<string, string> = {}): Promise<TrainingJobView> {
    const { job } = await this.upstreams.training.unary<training.GetJobRequest, training.GetJobResponse>(
      'GetJob',
      { jobId },
      { metadata },
    );
    return trainingJobView(job);
  }
}
