// Loads inference.default_model at start-up, retrying until the registry has it (it may still be starting or
// seeding it); readiness turns green once it is served. Also registers the "model loaded" readiness check.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Logger, Readiness, SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { ModelServing } from '../application/model-serving';
import { parseModelRef } from '../domain/model-ref';
import { INFERENCE_SETTINGS, type InferenceSettings } from '../infrastructure/inference-settings';
import { ModelLoadedCheck } from './model-loaded.check';
import { MODEL_SERVING } from './tokens';

const RETRY_MS = 2000;

@Injectable()
export class DefaultModelLoader implements OnApplicationBootstrap, OnModuleDestroy {
  private stopped = false;
  private loaded: Promise<void> | undefined;

  constructor(
    @Inject(MODEL_SERVING) private readonly serving: ModelServing,
    @Inject(INFERENCE_SETTINGS) private readonly settings: InferenceSettings,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.addCheck(new ModelLoadedCheck(this.serving, this.settings.defaultModel));
    this.loaded = this.loadWithRetry();
  }

  /** Resolves once the default model is served (or the service stops). */
  whenLoaded(): Promise<void> {
    return this.loaded ?? Promise.resolve();
  }

  onModuleDestroy(): void {
    this.stopped = true;
  }

  private async loadWithRetry(): Promise<void> {
    const ref = parseModelRef('', this.settings.defaultModel, 'inference.default_model');
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.serving.ensure(ref);
        void this.readiness.evaluate();
        return;
      } catch (error) {
        const level = attempt <= 3 ? 'info' : 'warn';
        this.log[level](
          { model: this.settings.defaultModel, attempt, error: String(error) },
          'default model not loaded yet; retrying',
        );
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
  }
}
