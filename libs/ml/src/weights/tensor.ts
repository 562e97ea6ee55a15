// Named fp32 weights in memory, the engine's common currency between safetensors files and graph builders.

export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type WeightMap = Map<string, WeightTensor>;

/** A tensor a model expects: its name and shape (dtype is always fp32 in the engine's files). */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Joins fp32 arrays end to end (stacked expert weights, per-request states into one batch). */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Reads a weight or fails naming it. */
export function getWeight(weights: WeightMap, name: string): Float32Array {
  const t = weights.get(name);
  if (!t) throw new Error(`missing weight tensor '${name}'`);
  return t.data;
}

/**
 * Checks that `weights` holds exactly the tensors in `specs` with the right shapes. The error names the first
 * wrong tensor and says how to fix it.
 */
export function checkWeights(weights: WeightMap, specs: readonly TensorSpec[], source: string): void {
  const expected = new Set(specs.map((s) => s.name));
  for (const spec of specs) {
    const t = weights.get(spec.name);
    if (!t) {
      throw new Error(
        `${source}: tensor '${spec.name}' is missing (expected shape [${spec.shape.join(', ')}]); ` +
          'the checkpoint does not match config.json — export it again with the same config',
      );
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new Error(
        `${source}: tensor '${spec.name}' has shape [${t.shape.join(', ')}] but config.json implies ` +
          `[${spec.shape.join(', ')}]; fix config.json (embed_dim, num_heads, value_factor, ffn_dim, vocab_size) ` +
          'or export the weights again',
      );
    }
    if (t.data.length !== numel(spec.shape)) {
      throw new Error(`${source}: tensor '${spec.name}' holds ${t.data.length} values for shape [${spec.shape}]`);
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) {
      throw new Error(
        `${source}: unexpected tensor '${name}'; check num_layers in config.json or the tensor names (ADR 0001)`,
      );
    }
  }
}
