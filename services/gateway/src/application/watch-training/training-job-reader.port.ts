import type { TrainingJobView } from '../../schemas/training.schemas';

export const TRAINING_JOB_READER = Symbol('TRAINING_JOB_READER');

/** Reads one training job as the API shows it (the training service's GetJob). */
export interface TrainingJobReader {
  /** Throws the gateway's ApiError (404 TRAINING.JOB_NOT_FOUND, 503 TRAINING.UNAVAILABLE, ...). */
  get(jobId: string, metadata?: Record<string, string>): Promise<TrainingJobView>;
}
