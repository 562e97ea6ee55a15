// Multimodal model folders: config.json (architecture "multimodal") + model.safetensors + SHA256SUMS, with every
// tensor's name and shape checked against what config.json implies (ADR 0003).
import { readModelDir, writeModelDir } from '../weights/model-dir';
import { checkWeights, type WeightMap } from '../weights/tensor';
import { type MultimodalConfig, parseMultimodalConfig } from './config';
import { multimodalTensorSpecs } from './weights';

export interface MultimodalCheckpoint {
  config: MultimodalConfig;
  weights: WeightMap;
}

export async function saveMultimodalModel(dir: string, model: MultimodalCheckpoint): Promise<Record<string, string>> {
  checkWeights(model.weights, multimodalTensorSpecs(model.config), 'saveMultimodalModel');
  return writeModelDir(dir, model.config, model.weights);
}

export async function loadMultimodalModel(dir: string): Promise<MultimodalCheckpoint> {
  const { config: raw, tensors } = await readModelDir(dir);
  const config = parseMultimodalConfig(raw);
  checkWeights(tensors, multimodalTensorSpecs(config), `${dir}/model.safetensors`);
  return { config, weights: tensors };
}

/** Whether a parsed config.json describes a multimodal model (for loaders that serve several architectures). */
export const isMultimodalConfig = (raw: unknown): boolean =>
  typeof raw === 'object' && raw !== null && (raw as { architecture?: unknown }).architecture === 'multimodal';
