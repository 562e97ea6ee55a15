// StartJob: everything that can be refused is refused before the job is queued — settings out of range (the
// config schema's own ranges), an unknown dataset, an unknown base model — each naming the request field.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { effectiveModel, effectiveTraining } from '../../domain/job-settings';
import { Violations } from '../../domain/training.errors';
import { DatasetRepository } from '../dataset.repository';
import { JobRepository } from '../job.repository';
import { JobSignals } from '../job-signals';
import type { JobSnapshot } from '../job-snapshot';
import { MODEL_REGISTRY, type ModelRegistry } from '../ports/model-registry.port';
import { type StartJobCommand, TRAINING_DEFAULTS } from './start-job.command';

@Injectable()
export class StartJobHandler {
  constructor(
    @Inject(TRAINING_DEFAULTS) private readonly defaults: Pick<NeuroForgeConfig, 'training' | 'model'>,
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(JobSignals) private readonly signals: JobSignals,
  ) {}

  async execute(command: StartJobCommand): Promise<JobSnapshot> {
    // 1. Settings (pure): every bad field at once.
    const fineTuning = command.baseModel !== '';
    const v = new Violations();
    if (command.datasetId === '') v.add('dataset_id', 'is required');
    const training = effectiveTraining(v, this.defaults.training, command.training, fineTuning);
    const model = fineTuning ? null : effectiveModel(v, this.defaults.model, command.model);
    if (fineTuning && command.model)
      v.add('model', 'must be unset with base_model: a fine-tune keeps the base architecture');
    v.throwIfAny();

    // 2. The dataset and the base model exist (NOT_FOUND naming dataset_id / base_model).
    await this.datasets.get(command.datasetId);
    const base = fineTuning ? await this.registry.resolve(command.baseModel) : undefined;

    // 3. Queue it; the pool picks it up.
    const jobId = randomUUID();
    const { snapshot } = await this.jobs.execute(jobId, {
      type: 'queue_job',
      data: {
        jobId,
        name: command.name,
        datasetId: command.datasetId,
        baseModel: base ? `${base.modelName}:${base.version}` : '',
        training,
        model,
        registerAs: command.registerAs,
        registerAlias: command.registerAlias,
        requestedByUserId: command.requestedByUserId,
      },
    });
    this.signals.queued();
    return snapshot;
  }
}
