// MoE FFN tensor names and shapes (ADR 0002), nn.Linear layout [out, in].
import { SeededRandom } from '../weights/random';
import { numel, type TensorSpec, type WeightMap } from '../weights/tensor';
import type { MoeSettings } from './config';

/** The tensors of one MoE FFN under `prefix` (e.g. `layers.3.ffn`): router, then each expert's fc1 and fc2. */
export function moeFfnTensorSpecs(prefix: string, d: number, s: MoeSettings): TensorSpec[] {
  const f = s.expertFfnDim;
  const specs: TensorSpec[] = [{ name: `${prefix}.router.weight`, shape: [s.numExperts, d] }];
  for (let e = 0; e < s.numExperts; e++) {
    const p = `${prefix}.experts.${e}`;
    specs.push(
      { name: `${p}.fc1.weight`, shape: [f, d] },
      { name: `${p}.fc1.bias`, shape: [f] },
      { name: `${p}.fc2.weight`, shape: [d, f] },
      { name: `${p}.fc2.bias`, shape: [d] },
    );
  }
  return specs;
}

/** Seeded random MoE FFN weights (tests, bench): N(0, 1/fan_in) matrices, N(0, biasStd²) biases. */
export function initMoeFfnWeights(prefix: string, d: number, s: MoeSettings, seed: number, biasStd = 0.1): WeightMap {
  const rng = new SeededRandom(seed);
  const weights: WeightMap = new Map();
  for (const spec of moeFfnTensorSpecs(prefix, d, s)) {
    const count = numel(spec.shape);
    const data = spec.name.endsWith('.bias')
      ? rng.normals(count, biasStd)
      : rng.normals(count, 1 / Math.sqrt(spec.shape[1] as number));
    weights.set(spec.name, { shape: spec.shape, data });
  }
  return weights;
}
