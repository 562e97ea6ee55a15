// Multimodal tensor names and shapes (ADR 0003) and seeded random initialisation. Text tensors are the RetNet's
// (ADR 0001) under `text.`; encoders under `vision.` / `audio.`; the fusion strategy's under `fusion.`.
// All linear weights use PyTorch's nn.Linear layout [out, in].
import { retNetTensorSpecs } from '../retnet/weights';
import { SeededRandom } from '../weights/random';
import type { TensorSpec, WeightMap } from '../weights/tensor';
import {
  type AudioConfig,
  audioTokenCount,
  configuredModalities,
  type Modality,
  type MultimodalConfig,
  modalityShape,
  type VisionConfig,
  visionTokenCount,
} from './config';

const linearSpecs = (name: string, out: number, inp: number): TensorSpec[] => [
  { name: `${name}.weight`, shape: [out, inp] },
  { name: `${name}.bias`, shape: [out] },
];
const normSpecs = (name: string, dim: number): TensorSpec[] => [
  { name: `${name}.weight`, shape: [dim] },
  { name: `${name}.bias`, shape: [dim] },
];

/** A pre-LN transformer encoder layer: self-attention (fused qkv) and a GELU MLP. */
export function encoderLayerSpecs(prefix: string, dim: number, mlp: number): TensorSpec[] {
  return [
    ...normSpecs(`${prefix}.norm1`, dim),
    ...linearSpecs(`${prefix}.attn.qkv`, 3 * dim, dim),
    ...linearSpecs(`${prefix}.attn.out_proj`, dim, dim),
    ...normSpecs(`${prefix}.norm2`, dim),
    ...linearSpecs(`${prefix}.mlp.fc1`, mlp, dim),
    ...linearSpecs(`${prefix}.mlp.fc2`, dim, mlp),
  ];
}

function encoderStackSpecs(prefix: string, dim: number, layers: number, mlp: number): TensorSpec[] {
  const specs: TensorSpec[] = [];
  for (let i = 0; i < layers; i++) specs.push(...encoderLayerSpecs(`${prefix}.layers.${i}`, dim, mlp));
  return [...specs, ...normSpecs(`${prefix}.final_norm`, dim)];
}

export function visionTensorSpecs(v: VisionConfig): TensorSpec[] {
  const D = v.embed_dim;
  return [
    { name: 'vision.patch_embed.weight', shape: [D, 3, v.patch_size, v.patch_size] },
    { name: 'vision.patch_embed.bias', shape: [D] },
    { name: 'vision.pos_embed', shape: [visionTokenCount(v), D] },
    ...encoderStackSpecs('vision', D, v.num_layers, v.mlp_dim),
  ];
}

export function audioTensorSpecs(a: AudioConfig): TensorSpec[] {
  const D = a.embed_dim;
  return [
    ...linearSpecs('audio.input_proj', D, a.n_mels),
    { name: 'audio.pos_embed', shape: [audioTokenCount(a), D] },
    ...encoderStackSpecs('audio', D, a.num_layers, a.mlp_dim),
  ];
}

/** Cross-attention from text hidden states [.., d] to a memory of width `memDim`. */
export function crossAttentionSpecs(prefix: string, d: number, memDim: number): TensorSpec[] {
  return [
    ...normSpecs(`${prefix}.norm`, d),
    ...linearSpecs(`${prefix}.q_proj`, d, d),
    ...linearSpecs(`${prefix}.k_proj`, d, memDim),
    ...linearSpecs(`${prefix}.v_proj`, d, memDim),
    ...linearSpecs(`${prefix}.out_proj`, d, d),
  ];
}

export function fusionTensorSpecs(c: MultimodalConfig): TensorSpec[] {
  const d = c.text.embed_dim;
  const mods = configuredModalities(c);
  const dimOf = (m: Modality) => modalityShape(c, m).dim;
  const specs: TensorSpec[] = [];
  switch (c.fusion) {
    case 'concat':
      for (const m of mods) specs.push(...linearSpecs(`fusion.${m}.proj`, d, dimOf(m)));
      return specs;
    case 'cross_attention':
      for (const m of mods) specs.push(...crossAttentionSpecs(`fusion.${m}`, d, dimOf(m)));
      break;
    case 'gated':
      for (const m of mods)
        specs.push(...linearSpecs(`fusion.${m}.proj`, d, dimOf(m)), ...linearSpecs(`fusion.${m}.gate`, d, 2 * d));
      break;
    case 'hierarchical':
      for (const m of mods) specs.push(...crossAttentionSpecs(`fusion.${m}`, d, dimOf(m)));
      for (const m of mods) specs.push(...linearSpecs(`fusion.joint.${m}.proj`, d, dimOf(m)));
      specs.push(...crossAttentionSpecs('fusion.joint.attn', d, d));
      break;
    default: {
      const never: never = c.fusion;
      throw new Error(`unknown fusion ${never}`);
    }
  }
  return [...specs, ...normSpecs('fusion.final_norm', d)];
}

/** Every tensor of a multimodal checkpoint. */
export function multimodalTensorSpecs(c: MultimodalConfig): TensorSpec[] {
  return [
    ...retNetTensorSpecs(c.text).map((s) => ({ name: `text.${s.name}`, shape: s.shape })),
    ...(c.vision ? visionTensorSpecs(c.vision) : []),
    ...(c.audio ? audioTensorSpecs(c.audio) : []),
    ...fusionTensorSpecs(c),
  ];
}

/** The RetNet weights under `text.`, with the prefix removed (the ADR 0001 names). */
export function textWeights(weights: WeightMap): WeightMap {
  const out: WeightMap = new Map();
  for (const [name, t] of weights) if (name.startsWith('text.')) out.set(name.slice(5), t);
  return out;
}

/**
 * Seeded init for tests and smoke models: matrices N(0, 1/fan_in), embeddings and positions N(0, 0.5²), norm
 * weights 1 + N(0, 0.1²) and biases N(0, 0.1²) — every tensor non-trivial, so a wrongly wired one changes the output.
 */
export function initMultimodalWeights(c: MultimodalConfig, seed: number): WeightMap {
  const rng = new SeededRandom(seed);
  const weights: WeightMap = new Map();
  for (const spec of multimodalTensorSpecs(c)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/norm\.weight$/.test(spec.name)) data = rng.normals(count, 0.1).map((v) => v + 1);
    else if (spec.name.endsWith('.bias')) data = rng.normals(count, 0.1);
    else if (/^text\.embed\.weight$|pos_embed$/.test(spec.name)) data = rng.normals(count, 0.5);
    else {
      const fanIn = spec.shape.slice(1).reduce((a, b) => a * b, 1);
      data = rng.normals(count, 1 / Math.sqrt(fanIn));
    }
    weights.set(spec.name, { shape: spec.shape, data });
  }
  return weights;
}
