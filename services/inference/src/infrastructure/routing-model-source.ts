// Local folders first (for the names they map), the model registry for everything else.

import type { ModelSource, ResolvedModel } from '../application/ports/model-source.port';
import type { ModelRef } from '../domain/model-ref';
import type { LocalFolderSource } from './local-folder-source';

export class RoutingModelSource implements ModelSource {
  constructor(
    private readonly local: LocalFolderSource,
    private readonly registry: ModelSource,
  ) {}

  resolve(ref: ModelRef): Promise<ResolvedModel> {
    return this.local.knows(ref.name) ? this.local.resolve(ref) : this.registry.resolve(ref);
  }
}
