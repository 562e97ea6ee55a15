// Models from the model registry: resolution and staging are the shared RegistryModelClient's (service-kit); this
// adapter raises INFERENCE.* errors and adds what inference reports about a model (tokenizer, architecture and
// where its weights came from).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { models } from '@neuroforge/contracts';
import { RegistryModelClient } from '@neuroforge/service-kit';
import type { ModelSource, ResolvedModel } from '../application/ports/model-source.port';
import { InferenceError } from '../domain/inference-error';
import { type ModelRef, refKey } from '../domain/model-ref';

const SEEDED_RANDOM_TAG = 'seeded-random';
const TRAINED_TAG = 'trained';

export class RegistryModelSource implements ModelSource {
  private readonly registry: RegistryModelClient;

  constructor(address: string, stagingRoot = join(tmpdir(), 'neuroforge-inference-models')) {
    this.registry = new RegistryModelClient({
      address,
      stagingRoot,
      errors: { notFound: InferenceError.modelNotFound, unavailable: InferenceError.modelUnavailable },
    });
  }

  async resolve(ref: ModelRef): Promise<ResolvedModel> {
    const { version, followsAlias } = await this.registry.resolveVersion(ref);
    const model = await this.registry.model(version.modelName, refKey(ref));
    const dir = await this.registry.stage(version);
    return {
      name: version.modelName,
      version: version.version,
      dir,
      tokenizerId: version.tokenizerId,
      architecture: version.architecture,
      weightsSource: weightsSource(version, model?.tags ?? []),
      ...(followsAlias ? { followsAlias } : {}),
    };
  }

  close(): void {
    this.registry.close();
  }
}

/** From the model's tags (the registry tags its start-up model `seeded-random` or `trained`) and the lineage. */
function weightsSource(version: models.ModelVersion, tags: readonly string[]): string {
  if (tags.includes(SEEDED_RANDOM_TAG)) return 'seeded random';
  if (tags.includes(TRAINED_TAG) || version.lineage?.source === 'LINEAGE_SOURCE_TRAINING_JOB') return 'trained';
  return 'uploaded';
}
