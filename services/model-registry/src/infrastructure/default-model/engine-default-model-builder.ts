// The start-up default model from the engine: a small byte-level RetNet with seeded random weights, written as an
// engine model folder (config.json + model.safetensors + SHA256SUMS, ADR 0001). Small so start-up stays fast.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

export class EngineDefaultModelBuilder implements DefaultModelBuilder {
  async build(dir: string, seed: number): Promise<BuiltModelFolder> {
    const config = parseRetNetConfig(DEFAULT_MODEL_CONFIG);
    await saveModel(dir, { config, weights: initRetNetWeights(config, seed) });
    return { configJson: await readFile(join(dir, CONFIG_FILE), 'utf8'), tokenizerId: config.tokenizer };
  }
}
