// Softmax attention pieces shared by the encoders (bidirectional self-attention) and the fusion heads
// (cross-attention from text to modality tokens). Shapes: B batch, N/M sequence lengths, h heads, dh head width.
import type { GraphBuilder } from '../onnx/graph-builder';
import { gelu } from '../onnx/layers';
import type { GraphWeights } from './graph-weights';

/** [B, N, h·dh] → [B, h, N, dh]. */
export function splitHeads(g: GraphBuilder, x: string, heads: number, dh: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.constInt64([0, 0, heads, dh])])], { perm: [0, 2, 1, 3] });
}

/** [B, h, N, dh] → [B, N, h·dh]. */
export function mergeHeads(g: GraphBuilder, o: string, width: number): string {
  return g.op('Reshape', [g.op('Transpose', [o], { perm: [0, 2, 1, 3] }), g.constInt64([0, 0, width])]);
}

/** softmax(q kᵀ / √dh + bias) v for q [B, h, N, dh], k/v [B, h, M, dh]; `bias` broadcasts to [B, h, N, M]. */
export function attend(g: GraphBuilder, q: string, k: string, v: string, dh: number, bias?: string): string {
  let scores = g.op('Mul', [
    g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]),
    g.constFloat([1 / Math.sqrt(dh)], []),
  ]); // [B, h, N, M]
  if (bias) scores = g.op('Add', [scores, bias]);
  return g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [B, h, N, dh]
}

/** Pre-LN encoder layer: x + SelfAttn(LN1 x), then + MLP(LN2 x) (GELU, exact). x: [B, N, D]. */
export function encoderLayer(w: GraphWeights, prefix: string, x: string, dim: number, heads: number, eps: number) {
  const g = w.g;
  const dh = dim / heads;
  const h = w.layerNorm(x, `${prefix}.norm1`, eps);
  const [q, k, v] = g.node(
    'Split',
    [w.linear(h, `${prefix}.attn.qkv`), g.constInt64([dim, dim, dim])],
    { axis: -1 },
    {
      outputs: 3,
    },
  ) as [string, string, string]; // each [B, N, D]
  const o = attend(g, splitHeads(g, q, heads, dh), splitHeads(g, k, heads, dh), splitHeads(g, v, heads, dh), dh);
  const attnOut = w.linear(mergeHeads(g, o, dim), `${prefix}.attn.out_proj`);
  const x1 = g.op('Add', [x, attnOut]);
  const m = w.linear(
    gelu(g, w.linear(w.layerNorm(x1, `${prefix}.norm2`, eps), `${prefix}.mlp.fc1`)),
    `${prefix}.mlp.fc2`,
  );
  return g.op('Add', [x1, m]); // [B, N, D]
}

/**
 * Cross-attention delta from text hidden states `h` [B, N, d] to a memory `mem` [B, M, Dm]: out_proj of the
 * attention of LN(h)·Wq to mem·Wk, mem·Wv. `bias` ([B, 1, 1, M], 0 or −1e9) masks memory tokens out.
 */
export function crossAttention(
  w: GraphWeights,
  prefix: string,
  h: string,
  mem: string,
  d: number,
  heads: number,
  eps: number,
  bias?: string,
): string {
  const g = w.g;
  const dh = d / heads;
  const q = splitHeads(g, w.linear(w.layerNorm(h, `${prefix}.norm`, eps), `${prefix}.q_proj`), heads, dh);
  const k = splitHeads(g, w.linear(mem, `${prefix}.k_proj`), heads, dh);
  const v = splitHeads(g, w.linear(mem, `${prefix}.v_proj`), heads, dh);
  return w.linear(mergeHeads(g, attend(g, q, k, v, dh, bias), d), `${prefix}.out_proj`); // [B, N, d]
}
