// Registers a completed job's model in the model registry: a new version of `register_as` (created when missing)
// with lineage (job id, dataset sha256, final loss, base model) and the job's config, from the artifacts the
// worker wrote; `register_alias` is pointed at it. A registry that cannot be reached is retried later (the job
// stays "registration pending"); a refusal (e.g. the alias belongs to another model) is recorded on the job.
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@neuroforge/events';
import { TrainingErrorCode } from '../../domain/training.errors';
import { JobRepository } from '../job.repository';
import { MODEL_REGISTRY, type ModelRegistry } from '../ports/model-registry.port';

@Injectable()
export class RegisterResultHandler {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
  ) {}

  async execute(jobId: string): Promise<void> {
    const { state } = await this.jobs.load(jobId);
    const result = state.result;
    if (state.status !== 'completed' || state.registration !== 'pending' || !result) return;
    let version: number;
    try {
      version = await this.registry.register({
        modelName: result.registerAs,
        artifacts: result.artifacts,
        tokenizerId: result.tokenizerId,
        configJson: result.configJson,
        lineage: {
          trainingJobId: jobId,
          datasetSha256: result.datasetSha256,
          finalLoss: result.finalLoss,
          baseModel: result.baseModel,
        },
        aliases: result.registerAlias === '' ? [] : [result.registerAlias],
        description: `Trained by NeuroForge training job ${jobId}.`,
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === TrainingErrorCode.REGISTRY_UNAVAILABLE) throw error;
      await this.jobs.execute(jobId, {
        type: 'record_registration_failure',
        data: { errorMessage: `registering ${result.registerAs} failed: ${(error as Error).message}` },
      });
      return;
    }
    await this.jobs.execute(jobId, {
      type: 'record_registration',
      data: { modelName: result.registerAs, version, alias: result.registerAlias },
    });
  }
}
