// Models from the model registry: resolution and staging are the shared RegistryModelClient's (service-kit); this
// adapter only raises EMBEDDINGS.* errors.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryModelClient } from '@neuroforge/service-kit';
import type { ModelSource, ResolvedModel } from '../../application/ports/embedding-models.port';
import { EmbeddingsError } from '../../domain/embeddings-error';
import type { ModelRef } from '../../domain/model-ref';

export class RegistryModelSource implements ModelSource {
  private readonly registry: RegistryModelClient;

  constructor(address: string, stagingRoot = join(tmpdir(), 'neuroforge-embeddings-models')) {
    this.registry = new RegistryModelClient({
      address,
      stagingRoot,
      errors: {
        notFound: (ref, why) => new EmbeddingsError('EMBEDDINGS.MODEL_NOT_FOUND', `model ${ref}: ${why}`, 'model'),
        unavailable: (ref, why) => new EmbeddingsError('EMBEDDINGS.MODEL_UNAVAILABLE', `model ${ref}: ${why}`),
      },
    });
  }

  async resolve(ref: ModelRef): Promise<ResolvedModel> {
    const { version, followsAlias } = await this.registry.resolveVersion(ref);
    return {
      name: version.modelName,
      version: version.version,
      dir: await this.registry.stage(version),
      ...(followsAlias ? { followsAlias } : {}),
    };
  }

  close(): void {
    this.registry.close();
  }
}
