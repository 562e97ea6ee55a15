// ModelLoader on the engine: reads the folder's config.json to pick the engine model by `architecture`, then
// verifies and loads it (checksums, config schema, every tensor's shape) on the configured device, with the
// tokenizer the version names. One code path after resolution for every architecture:
// - `retnet` (or no `architecture`): RetNetModel; with `ffn: "moe"` the same loader builds the MoE graphs and the
//   model carries its per-expert load tally;
// - `multimodal`: MultimodalModel (ADR 0003), with a media encoder that builds each request's media prefix.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTokenizer,
  type Device,
  type LanguageModel,
  type Modality,
  MultimodalModel,
  RetNetModel,
} from '@neuroforge/ml';
import type {
  ExpertLoadSource,
  LoadedEngineModel,
  MediaEncoder,
  MediaPrefix,
  ModelLoader,
  ServedArchitecture,
} from '../application/ports/model-loader.port';
import type { ResolvedModel } from '../application/ports/model-source.port';
import type { MediaChunk, MediaKind } from '../domain/generate-request';

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

/** The registry's architecture names (models.v1.Architecture) → the engine family that serves them. */
const REGISTRY_FAMILY: Record<string, 'retnet' | 'multimodal' | undefined> = {
  ARCHITECTURE_RETNET: 'retnet',
  ARCHITECTURE_MOE_RETNET: 'retnet',
  ARCHITECTURE_MULTIMODAL: 'multimodal',
};

/**
 * The engine model a config.json asks for. The registry's architecture is a label set at registration (trained
 * MoE models are registered as RETNET today), so it may say RETNET or MOE_RETNET for either RetNet form; it must
 * name the same family as config.json.
 */
export function servedArchitecture(config: unknown, registryArchitecture?: string): ServedArchitecture {
  const c = (typeof config === 'object' && config !== null ? config : {}) as { architecture?: unknown; ffn?: unknown };
  const declared = c.architecture ?? 'retnet';
  let served: ServedArchitecture;
  if (declared === 'multimodal') served = 'multimodal';
  else if (declared === 'retnet') served = c.ffn === 'moe' ? 'moe_retnet' : 'retnet';
  else {
    throw new Error(
      `config.json architecture '${String(declared)}' is not served here; the inference service serves 'retnet' ` +
        `(dense, or with ffn "moe") and 'multimodal'`,
    );
  }
  if (registryArchitecture && registryArchitecture !== 'ARCHITECTURE_UNSPECIFIED') {
    const family = REGISTRY_FAMILY[registryArchitecture];
    if (!family) throw new Error(`architecture ${registryArchitecture} is not served by the inference service`);
    if (family !== (served === 'multimodal' ? 'multimodal' : 'retnet')) {
      throw new Error(
        `the registry registers this version as ${registryArchitecture}, but its config.json is ${served}`,
      );
    }
  }
  return served;
}

export class EngineModelLoader implements ModelLoader {
  constructor(private readonly options: EngineLoaderOptions) {}

  async load(resolved: ResolvedModel): Promise<LoadedEngineModel> {
    const architecture = servedArchitecture(await readConfig(resolved.dir), resolved.architecture);
    const opts = {
      device: this.options.device,
      ...(this.options.intraOpThreads > 0 ? { intraOpThreads: this.options.intraOpThreads } : {}),
      chunkSize: PREFILL_BLOCK_TOKENS,
      parallelPrefillMax: PARALLEL_PREFILL_MAX,
      log: this.options.log,
    };
    if (architecture === 'multimodal') {
      const model = await MultimodalModel.load(resolved.dir, opts);
      return this.complete(resolved, model, model.config.text.tokenizer, {
        architecture,
        provider: model.provider,
        stateBytes: model.stateBytesPerSequence,
        media: new EngineMediaEncoder(model),
      });
    }
    const model = await RetNetModel.load(resolved.dir, opts);
    const expertLoad: ExpertLoadSource | undefined = model.expertLoad;
    return this.complete(resolved, model, model.config.tokenizer, {
      architecture,
      provider: model.provider,
      stateBytes: model.stateBytesPerSequence,
      ...(expertLoad ? { expertLoad } : {}),
    });
  }

  /** Checks the tokenizer against the model; disposes the model when anything is wrong. */
  private async complete(
    resolved: ResolvedModel,
    model: LanguageModel,
    configTokenizer: string,
    extra: Pick<LoadedEngineModel, 'architecture' | 'provider' | 'stateBytes' | 'media' | 'expertLoad'>,
  ): Promise<LoadedEngineModel> {
    try {
      const tokenizerId = resolved.tokenizerId || configTokenizer;
      if (tokenizerId !== configTokenizer) {
        throw new Error(`the version names tokenizer '${tokenizerId}' but its config.json says '${configTokenizer}'`);
      }
      const tokenizer = await createTokenizer(tokenizerId);
      if (model.vocabSize < tokenizer.vocabSize) {
        throw new Error(
          `vocab_size ${model.vocabSize} is smaller than the ${tokenizerId} tokenizer's ${tokenizer.vocabSize}`,
        );
      }
      return {
        ...extra,
        model,
        tokenizer,
        requestedProvider: this.options.device,
        blockTokens: PREFILL_BLOCK_TOKENS,
        parallelPrefillMax: PARALLEL_PREFILL_MAX,
      };
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }
}

const MODALITY: Record<MediaKind, Modality> = { image: 'vision', audio: 'audio' };

/** A multimodal model's media → prefix: decode and encode the media once, then the state the text continues. */
class EngineMediaEncoder implements MediaEncoder {
  readonly accepts: readonly MediaKind[];

  constructor(private readonly model: MultimodalModel) {
    this.accepts = (['image', 'audio'] as const).filter((k) => model.modalities.includes(MODALITY[k]));
  }

  prefixPositions(kinds: readonly MediaKind[]): number {
    return this.model.prefixPositions(kinds.map((k) => MODALITY[k]));
  }

  async prefix(media: readonly MediaChunk[]): Promise<MediaPrefix> {
    const image = media.find((m) => m.kind === 'image');
    const audio = media.find((m) => m.kind === 'audio');
    const encoded = await this.model.encode({
      ...(image ? { image: { data: image.data, field: image.field } } : {}),
      ...(audio ? { audio: { data: audio.data, field: audio.field } } : {}),
    });
    return this.model.mediaPrefix(encoded);
  }
}

async function readConfig(dir: string): Promise<unknown> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
}
