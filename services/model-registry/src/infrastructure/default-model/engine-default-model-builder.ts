// The start-up default model from the engine: a small byte-level RetNet with seeded random weights, written as an
// engine model folder (config.json + model.safetensors + SHA256SUMS, ADR 0001). Small so start-up stays fast.
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_FILE, initRetNetWeights, parseRetNetConfig, saveModel } from '@neuroforge/ml';
import type { BuiltModelFolder, DefaultModelBuilder } from '../../application/ports/default-model-builder.port';

/** d = 128, 4 heads, 2 layers, byte vocabulary: about 0.7 M parameters, under 3 MB of weights. */
export const DEFAULT_MODEL_CONFIG = {
  architecture: 'retnet',
  vocab_size: 259, // the byte tokenizer: 256 bytes + bos, eos, pad
  embed_dim: 128,
  num_heads: 4,
  num_layers: 2,
  max_seq_len: 1024,
  ffn_dim: 256,
  tokenizer: 'byte',
} as const;

/** The trained default model the repository ships (docs/training/default-model.md), relative to the repository. */
export const TRAINED_DEFAULT_MODEL_DIR = 'services/training/assets/default-model/retnet-default';
const TRAINED_FILES = ['config.json', 'model.safetensors', 'SHA256SUMS'];

/** The shipped trained folder, found by walking up from this file; undefined when absent. */
export function findTrainedDefaultModel(from = __dirname): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, TRAINED_DEFAULT_MODEL_DIR);
    if (TRAINED_FILES.every((name) => existsSync(join(candidate, name)))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Prefers the trained default model committed with the repository (trained by the training service's pipeline
 * on the shipped corpus); falls back to seeded random weights when it is not there.
 */
export class EngineDefaultModelBuilder implements DefaultModelBuilder {
  private readonly trainedDir = findTrainedDefaultModel();
  readonly kind = this.trainedDir ? ('trained' as const) : ('seeded-random' as const);

  async build(dir: string, seed: number): Promise<BuiltModelFolder> {
    if (this.trainedDir) {
      for (const name of TRAINED_FILES) await copyFile(join(this.trainedDir, name), join(dir, name));
      const configJson = await readFile(join(dir, CONFIG_FILE), 'utf8');
      return {
        configJson,
        tokenizerId: String((JSON.parse(configJson) as { tokenizer?: string }).tokenizer ?? 'byte'),
      };
    }
    const config = parseRetNetConfig(DEFAULT_MODEL_CONFIG);
    await saveModel(dir, { config, weights: initRetNetWeights(config, seed) });
    return { configJson: await readFile(join(dir, CONFIG_FILE), 'utf8'), tokenizerId: config.tokenizer };
  }
}
