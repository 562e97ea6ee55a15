// The model registry as the training service uses it (over gRPC in production).
import type { ArtifactRecord } from '../../domain/job.types';

export const MODEL_REGISTRY = Symbol('MODEL_REGISTRY');

export interface RegistryVersion {
  readonly modelName: string;
  readonly version: number;
  readonly artifacts: ArtifactRecord[];
  readonly configJson: string;
  readonly tokenizerId: string;
}

export interface NewVersion {
  readonly modelName: string;
  readonly artifacts: ArtifactRecord[];
  readonly tokenizerId: string;
  readonly configJson: string;
  readonly lineage: { trainingJobId: string; datasetSha256: string; finalLoss: number; baseModel: string };
  readonly aliases: string[];
  readonly description: string;
}

export interface ModelRegistry {
  /**
   * "name", "name@alias" or "name:version" → the version (a bare name means its "latest" alias, else the name
   * used as an alias). Throws TRAINING.BASE_MODEL_NOT_FOUND when it does not resolve.
   */
  resolve(ref: string): Promise<RegistryVersion>;
  /** Creates the model when missing, then registers the version; returns its number. */
  register(version: NewVersion): Promise<number>;
}
