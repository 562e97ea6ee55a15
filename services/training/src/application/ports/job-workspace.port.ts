// The folder a job trains in (`system.artifact_dir/training/jobs/<job_id>/`): the worker's job spec, its output
// folder with checkpoints (shared by every attempt, so a resumed attempt continues from the last checkpoint), and
// the base model staged for fine-tuning.
import type { ArtifactRecord } from '../../domain/job.types';
import type { RegistryVersion } from './model-registry.port';

export const JOB_WORKSPACE = Symbol('JOB_WORKSPACE');

export interface PreparedJob {
  readonly specPath: string;
  readonly outDir: string;
}

export interface ModelFolder {
  readonly artifacts: ArtifactRecord[];
  readonly configJson: string;
  readonly tokenizerId: string;
}

export interface JobWorkspace {
  /** Step of the newest complete checkpoint of the job (0 when none). */
  latestCheckpointStep(jobId: string): Promise<number>;
  /** Stages a registry version as a model folder for `init_from`; returns its path. */
  stageModel(jobId: string, version: RegistryVersion): Promise<string>;
  /** Writes the worker's job spec. */
  prepare(jobId: string, spec: Readonly<Record<string, unknown>>): Promise<PreparedJob>;
  /** The exported model folder's files, hashed, with file:// URIs. */
  exportedModel(outDir: string): Promise<ModelFolder>;
}
