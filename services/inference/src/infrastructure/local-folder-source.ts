// Models served from local folders (NF_INFERENCE_MODEL_DIRS), for tests and single-node setups without the
// registry: the mapping and alias rules are service-kit's LocalModelFolders; this adds what inference records
// about a version's origin (a local folder has no registered tokenizer id).
import { LocalModelFolders } from '@neuroforge/service-kit';
import type { ModelSource, ResolvedModel } from '../application/ports/model-source.port';
import { InferenceError } from '../domain/inference-error';
import type { ModelRef } from '../domain/model-ref';

export class LocalFolderSource implements ModelSource {
  private readonly folders: LocalModelFolders;

  constructor(dirs: ReadonlyMap<string, string>) {
    this.folders = new LocalModelFolders(dirs, { notFound: InferenceError.modelNotFound });
  }

  /** Whether this source knows the model at all (else the registry is asked). */
  knows(name: string): boolean {
    return this.folders.knows(name);
  }

  async resolve(ref: ModelRef): Promise<ResolvedModel> {
    return { ...(await this.folders.resolve(ref)), tokenizerId: '', weightsSource: 'local folder' };
  }
}
