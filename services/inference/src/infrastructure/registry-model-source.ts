// Models from the model registry: resolution and staging are the shared RegistryModelClient's (service-kit); this
// adapter raises INFERENCE.* errors and adds what inference reports about a model (tokenizer, architecture and
// where its weights came from).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { models } from '@neuroforge/contracts';
import { RegistryModelClient } from '@neuroforge/service-kit';
import type { ModelSource, ResolvedModel } from '../application/ports/model-source.port';
import { InferenceError } from '../domain/inference-error';
import { type ModelRef, refKey } from '../domain/model-ref';

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
    const dir = await this.registry.stage(version);
    return {
      name: version.modelName,
      version: version.version,
      dir,
      tokenizerId: version.tokenizerId,
      architecture: version.architecture,
      weightsSource: weightsSource(version),
      ...(followsAlias ? { followsAlias } : {}),
    };
  }

  close(): void {
    this.registry.close();
  }
}

/**
 * From the version's lineage: the registry records how each version's weights came to be, so a model whose first
 * version was seeded and whose later versions were trained reports each version truthfully.
 */
export function weightsSource(version: Pick<models.ModelVersion, 'lineage'>): string {
  switch (version.lineage?.source) {
    case models.LineageSource.LINEAGE_SOURCE_SEEDED_INIT:
      return 'seeded random';
    case models.LineageSource.LINEAGE_SOURCE_TRAINING_JOB:
    case models.LineageSource.LINEAGE_SOURCE_PRETRAINED:
      return 'trained';
    default:
      return 'uploaded';
  }
}
