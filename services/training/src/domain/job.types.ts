// Value types of the TrainingJob aggregate. Payload shapes follow protos/neuroforge/training/v1 (camelCase JSON),
// so stored events are published as the proto's JSON mapping without conversion.

export type JobStatus = 'none' | 'queued' | 'running' | 'completed' | 'failed' | 'stopped';

export type JobStateName =
  | 'JOB_STATE_UNSPECIFIED'
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_COMPLETED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_STOPPED';

export const JOB_STATE_OF: Readonly<Record<JobStatus, JobStateName>> = {
  none: 'JOB_STATE_UNSPECIFIED',
  queued: 'JOB_STATE_QUEUED',
  running: 'JOB_STATE_RUNNING',
  completed: 'JOB_STATE_COMPLETED',
  failed: 'JOB_STATE_FAILED',
  stopped: 'JOB_STATE_STOPPED',
};

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'stopped']);

/** The effective `training` settings of a job (config defaults with the request's overrides applied). */
export interface TrainingSettings {
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  warmupSteps: number;
  maxSteps: number;
  gradientAccumulationSteps: number;
  maxGradNorm: number;
  useLora: boolean;
  loraRank: number;
  loraAlpha: number;
  useFp16: boolean;
  loraDropout: number;
  checkpointEverySteps: number;
  evalEverySteps: number;
}

/** The effective `model` settings of a from-scratch job. */
export interface ModelSettings {
  architecture: string;
  tokenizer: string;
  vocabSize: number;
  embedDim: number;
  numHeads: number;
  numLayers: number;
  maxSeqLen: number;
  dropout: number;
  valueFactor: number;
  ffnDim: number;
  chunkSize: number;
  layerNormEps: number;
}

/** One progress report (proto TrainingProgress; `reportedAt` is an RFC 3339 time). */
export interface ProgressRecord {
  jobId: string;
  state: JobStateName;
  step: number;
  maxSteps: number;
  loss: number;
  learningRate: number;
  tokensPerSecond: number;
  etaSeconds: number;
  reportedAt: string;
}

/** The latest held-out evaluation of a job (events.proto JobEvaluated, without the job id). */
export interface EvaluationRecord {
  /** Optimiser steps done when it ran. */
  step: number;
  /** Mean next-token cross-entropy on the held-out split. */
  evalLoss: number;
  /** Held-out sequences averaged over. */
  evalSequences: number;
}

/** One file of a trained model (proto models.v1.Artifact). */
export interface ArtifactRecord {
  name: string;
  sha256: string;
  sizeBytes: string;
  kind: string;
  uri: string;
}

export function jobStreamId(jobId: string): string {
  return `job-${jobId}`;
}

export function datasetStreamId(datasetId: string): string {
  return `dataset-${datasetId}`;
}
