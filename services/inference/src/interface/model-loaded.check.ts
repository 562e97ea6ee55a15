// Readiness: the service is ready only while it serves at least one model (the default model at start-up).
import type { DependencyCheck } from '@neuroforge/service-kit';
import type { ModelServing } from '../application/model-serving';

export class ModelLoadedCheck implements DependencyCheck {
  readonly name = 'model';

  constructor(
    private readonly serving: ModelServing,
    private readonly defaultModel: string,
  ) {}

  async check(): Promise<void> {
    if (!this.serving.hasModels) throw new Error(`no model loaded yet (loading ${this.defaultModel})`);
  }

  async close(): Promise<void> {}
}
