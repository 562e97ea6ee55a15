// ModelLoader on the engine: verifies and loads a model folder (checksums, config schema, every tensor's shape)
// as a RetNetModel on the configured device, with the tokenizer the version names.
import { createTokenizer, type Device, RetNetModel } from '@neuroforge/ml';
import type { LoadedEngineModel, ModelLoader } from '../application/ports/model-loader.port';
import type { ResolvedModel } from '../application/ports/model-source.port';

/**
 * Prompt block: the engine's chunkwise prefill length and the prefix-cache boundary. Keeping the two equal is
 * what makes a prefill resumed from a cached state compute exactly what a cold one does (docs/inference.md).
 */
export const PREFILL_BLOCK_TOKENS = 256;
/** Prompts up to this length use the engine's parallel form in one call (it must stay below the block). */
export const PARALLEL_PREFILL_MAX = 128;

export interface EngineLoaderOptions {
  readonly device: Device;
  readonly intraOpThreads: number;
  readonly log: (line: string) => void;
}

export class EngineModelLoader implements ModelLoader {
  constructor(private readonly options: EngineLoaderOptions) {}

  async load(resolved: ResolvedModel): Promise<LoadedEngineModel> {
    const model = await RetNetModel.load(resolved.dir, {
      device: this.options.device,
      ...(this.options.intraOpThreads > 0 ? { intraOpThreads: this.options.intraOpThreads } : {}),
      chunkSize: PREFILL_BLOCK_TOKENS,
      parallelPrefillMax: PARALLEL_PREFILL_MAX,
      log: this.options.log,
    });
    try {
      const tokenizerId = resolved.tokenizerId || model.config.tokenizer;
      if (tokenizerId !== model.config.tokenizer) {
        throw new Error(
          `the version names tokenizer '${tokenizerId}' but its config.json says '${model.config.tokenizer}'`,
        );
      }
      const tokenizer = await createTokenizer(tokenizerId);
      if (model.vocabSize < tokenizer.vocabSize) {
        throw new Error(
          `vocab_size ${model.vocabSize} is smaller than the ${tokenizerId} tokenizer's ${tokenizer.vocabSize}`,
        );
      }
      return {
        model,
        tokenizer,
        provider: model.provider,
        requestedProvider: this.options.device,
        stateBytes: model.stateBytesPerSequence,
        blockTokens: PREFILL_BLOCK_TOKENS,
        parallelPrefillMax: PARALLEL_PREFILL_MAX,
      };
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }
}
