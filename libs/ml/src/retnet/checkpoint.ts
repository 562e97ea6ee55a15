// Saving and loading RetNet checkpoints (config.json + model.safetensors + SHA256SUMS), with every tensor's name
// and shape checked against what config.json implies (ADR 0001).
import { readModelDir, writeModelDir } from '../weights/model-dir';
import { checkWeights, type WeightMap } from '../weights/tensor';
import { parseRetNetConfig, type RetNetConfig } from './config';
import { retNetTensorSpecs } from './weights';

export interface RetNetCheckpoint {
  config: RetNetConfig;
  weights: WeightMap;
}

/** Writes a model folder; returns the sha256 of each file written. */
export async function saveModel(dir: string, model: RetNetCheckpoint): Promise<Record<string, string>> {
  checkWeights(model.weights, retNetTensorSpecs(model.config), 'saveModel');
  return writeModelDir(dir, model.config, model.weights);
}

/** Reads a model folder, verifying checksums, the config schema and every tensor's name, shape and dtype. */
export async function loadModel(dir: string): Promise<RetNetCheckpoint> {
  const { config: raw, tensors } = await readModelDir(dir);
  const config = parseRetNetConfig(raw);
  checkWeights(tensors, retNetTensorSpecs(config), `${dir}/model.safetensors`);
  return { config, weights: tensors };
}
