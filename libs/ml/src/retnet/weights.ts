// RetNet tensor names and shapes (ADR 0001) and seeded random initialisation.

import { moeSettings } from '../moe/config';
import { moeFfnTensorSpecs } from '../moe/weights';
import { SeededRandom } from '../weights/random';
import type { TensorSpec, WeightMap } from '../weights/tensor';
import { type RetNetConfig, retNetDims } from './config';

/** Every tensor a RetNet checkpoint holds, in the order the engine writes them. */
export function retNetTensorSpecs(config: RetNetConfig): TensorSpec[] {
  const { d, Dv, L, V, ffn } = retNetDims(config);
  const moe = moeSettings(config);
  const specs: TensorSpec[] = [{ name: 'embed.weight', shape: [V, d] }];
  for (let i = 0; i < L; i++) {
    const p = `layers.${i}`;
    specs.push(
      { name: `${p}.retention_norm.weight`, shape: [d] },
      { name: `${p}.retention_norm.bias`, shape: [d] },
      { name: `${p}.retention.q_proj.weight`, shape: [d, d] },
      { name: `${p}.retention.k_proj.weight`, shape: [d, d] },
      { name: `${p}.retention.v_proj.weight`, shape: [Dv, d] },
      { name: `${p}.retention.g_proj.weight`, shape: [Dv, d] },
      { name: `${p}.retention.group_norm.weight`, shape: [Dv] },
      { name: `${p}.retention.group_norm.bias`, shape: [Dv] },
      { name: `${p}.retention.out_proj.weight`, shape: [d, Dv] },
      { name: `${p}.ffn_norm.weight`, shape: [d] },
      { name: `${p}.ffn_norm.bias`, shape: [d] },
    );
    if (moe) {
      specs.push(...moeFfnTensorSpecs(`${p}.ffn`, d, moe));
      continue;
    }
    specs.push(
      { name: `${p}.ffn.fc1.weight`, shape: [ffn, d] },
      { name: `${p}.ffn.fc1.bias`, shape: [ffn] },
      { name: `${p}.ffn.fc2.weight`, shape: [d, ffn] },
      { name: `${p}.ffn.fc2.bias`, shape: [d] },
    );
  }
  specs.push(
    { name: 'final_norm.weight', shape: [d] },
    { name: 'final_norm.bias', shape: [d] },
    { name: 'lm_head.weight', shape: [V, d] },
  );
  return specs;
}

export interface InitOptions {
  /**
   * Also randomise norm weights/biases and FFN biases (normally 1 and 0). Tests use it so that every tensor
   * influences the logits and a wrongly wired one shows up.
   */
  randomAffine?: boolean;
}

/**
 * Seeded init: linear weights N(0, 1/fan_in), residual output projections further scaled by 1/sqrt(2L) (GPT-2),
 * embeddings N(0, 0.02²), norms 1/0.
 */
export function initRetNetWeights(config: RetNetConfig, seed: number, opts: InitOptions = {}): WeightMap {
  const rng = new SeededRandom(seed);
  const { L } = retNetDims(config);
  const weights: WeightMap = new Map();
  for (const spec of retNetTensorSpecs(config)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const isNorm = /norm\.(weight|bias)$/.test(spec.name);
    const isBias = spec.name.endsWith('.bias');
    let data: Float32Array;
    if (isNorm || isBias) {
      const base = spec.name.endsWith('.weight') ? 1 : 0;
      data = opts.randomAffine ? rng.normals(count, 0.1).map((v) => v + base) : new Float32Array(count).fill(base);
    } else if (spec.name === 'embed.weight') {
      data = rng.normals(count, opts.randomAffine ? 1 : 0.02);
    } else {
      const fanIn = spec.shape[1] as number;
      const residualScale = /(out_proj|fc2)\.weight$/.test(spec.name) ? 1 / Math.sqrt(2 * L) : 1;
      data = rng.normals(count, residualScale / Math.sqrt(fanIn));
    }
    weights.set(spec.name, { shape: spec.shape, data });
  }
  return weights;
}
