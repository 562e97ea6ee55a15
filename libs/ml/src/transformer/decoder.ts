// A pre-LN softmax-attention Transformer decoder with a KV cache, the benchmark's baseline for RetNet. Same
// width/depth/FFN/vocab and the same rotary positions; built with the same builder. One decode-step graph:
// tokens [B] + positions [B] + past K/V per layer [B, H, P, d_k] → logits [B, V] + present K/V [B, H, P+1, d_k],
// the layout ONNX decoder exports use (past in, present out). Only the benchmark uses it.
import { GraphBuilder } from '../onnx/graph-builder';
import { gelu, layerNorm, linear, transpose2d } from '../onnx/layers';
import { rotaryTables } from '../retnet/tables';
import { SeededRandom } from '../weights/random';

export interface TransformerConfig {
  vocab_size: number;
  embed_dim: number;
  num_heads: number;
  num_layers: number;
  ffn_dim: number;
  max_seq_len: number;
  layer_norm_eps: number;
  rope_base: number;
}

export const pastKeyName = (i: number) => `past_key_${i}`;
export const pastValueName = (i: number) => `past_value_${i}`;
export const presentKeyName = (i: number) => `present_key_${i}`;
export const presentValueName = (i: number) => `present_value_${i}`;

/** KV-cache bytes one sequence holds at context length `ctx` (fp32 keys and values, every layer). */
export const kvCacheBytes = (c: TransformerConfig, ctx: number): number => c.num_layers * 2 * ctx * c.embed_dim * 4;

/** Builds the decode-step graph with seeded random weights (N(0, 1/fan_in), as the RetNet init). */
export function buildTransformerDecoder(c: TransformerConfig, seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const d = c.embed_dim;
  const H = c.num_heads;
  const dk = d / H;
  const g = new GraphBuilder('transformer_decode');
  const tokens = g.input('tokens', 'int64', ['batch']); // [B]
  const positions = g.input('positions', 'int64', ['batch']); // [B]
  const { cos, sin } = rotaryTables(dk, c.rope_base, c.max_seq_len);
  const cosT = g.initializer('rope_cos', [c.max_seq_len, dk], cos);
  const sinT = g.initializer('rope_sin', [c.max_seq_len, dk], sin);
  const cosP = g.op('Unsqueeze', [g.op('Gather', [cosT, positions], { axis: 0 }), g.constInt64([1, 2])]); // [B, 1, 1, d_k]
  const sinP = g.op('Unsqueeze', [g.op('Gather', [sinT, positions], { axis: 0 }), g.constInt64([1, 2])]);
  const P = new Float32Array(dk * dk); // x·P = rot(x): (2j, 2j+1) → (−x_{2j+1}, x_{2j})
  for (let j = 0; j < dk / 2; j++) {
    P[(2 * j + 1) * dk + 2 * j] = -1;
    P[2 * j * dk + 2 * j + 1] = 1;
  }
  const rotation = g.initializer('rotation', [dk, dk], P);
  const ones = (n: number) => new Float32Array(n).fill(1);
  const lin = (out: number, inp: number, scale = 1) =>
    transpose2d(rng.normals(out * inp, scale / Math.sqrt(inp)), out, inp);

  let x = g.op(
    'Gather',
    [g.initializer('embed.weight', [c.vocab_size, d], rng.normals(c.vocab_size * d, 0.02)), tokens],
    {
      axis: 0,
    },
  ); // [B, d]
  const headShape = g.constInt64([0, H, 1, dk]);
  for (let i = 0; i < c.num_layers; i++) {
    const n = (s: string) => `layers.${i}.${s}`;
    const h = layerNorm(
      g,
      x,
      g.initializer(n('attn_norm.weight'), [d], ones(d)),
      g.initializer(n('attn_norm.bias'), [d], new Float32Array(d)),
      c.layer_norm_eps,
    );
    // Fused [q, k, v] projection (the softmax scale d_k^-0.5 folded into q), rotary as x·cos + (x·P)·sin on
    // q and k together, as in the RetNet graphs.
    const wq = lin(d, d, dk ** -0.5);
    const wk = lin(d, d);
    const wv = lin(d, d);
    const fused = new Float32Array(d * 3 * d);
    for (let r = 0; r < d; r++) {
      fused.set(wq.subarray(r * d, (r + 1) * d), r * 3 * d);
      fused.set(wk.subarray(r * d, (r + 1) * d), r * 3 * d + d);
      fused.set(wv.subarray(r * d, (r + 1) * d), r * 3 * d + 2 * d);
    }
    const proj = linear(g, h, g.initializer(n('attn.qkv_fused'), [d, 3 * d], fused)); // [B, 3d]
    const [qk, v] = g.node('Split', [proj, g.constInt64([2 * d, d])], { axis: -1 }, { outputs: 2 }) as [string, string];
    const heads = g.op('Reshape', [qk, g.constInt64([0, 2 * H, 1, dk])]); // [B, 2H, 1, d_k]
    const rotated = g.op('Add', [g.op('Mul', [heads, cosP]), g.op('Mul', [g.op('MatMul', [heads, rotation]), sinP])]);
    const [qh, kh] = g.node('Split', [rotated, g.constInt64([H, H])], { axis: 1 }, { outputs: 2 }) as [string, string]; // [B, H, 1, d_k]
    const vh = g.op('Reshape', [v, headShape]);
    const pastK = g.input(pastKeyName(i), 'float32', ['batch', H, 'past', dk]);
    const pastV = g.input(pastValueName(i), 'float32', ['batch', H, 'past', dk]);
    const presentK = g.op('Concat', [pastK, kh], { axis: 2 }); // [B, H, P+1, d_k]
    const presentV = g.op('Concat', [pastV, vh], { axis: 2 });
    g.output(presentK, presentKeyName(i), 'float32', ['batch', H, 'present', dk]);
    g.output(presentV, presentValueName(i), 'float32', ['batch', H, 'present', dk]);
    const scores = g.op('MatMul', [qh, g.op('Transpose', [presentK], { perm: [0, 1, 3, 2] })]); // [B, H, 1, P+1]
    const attn = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), presentV]); // [B, H, 1, d_k]
    const out = linear(
      g,
      g.op('Reshape', [attn, g.constInt64([0, d])]),
      g.initializer(n('attn.out_proj.weight_t'), [d, d], lin(d, d, 1 / Math.sqrt(2 * c.num_layers))),
    );
    x = g.op('Add', [x, out]);
    const hf = layerNorm(
      g,
      x,
      g.initializer(n('ffn_norm.weight'), [d], ones(d)),
      g.initializer(n('ffn_norm.bias'), [d], new Float32Array(d)),
      c.layer_norm_eps,
    );
    const f1 = linear(
      g,
      hf,
      g.initializer(n('ffn.fc1.weight_t'), [d, c.ffn_dim], lin(c.ffn_dim, d)),
      g.initializer(n('ffn.fc1.bias'), [c.ffn_dim], new Float32Array(c.ffn_dim)),
    );
    const f2 = linear(
      g,
      gelu(g, f1),
      g.initializer(n('ffn.fc2.weight_t'), [c.ffn_dim, d], lin(d, c.ffn_dim, 1 / Math.sqrt(2 * c.num_layers))),
      g.initializer(n('ffn.fc2.bias'), [d], new Float32Array(d)),
    );
    x = g.op('Add', [x, f2]);
  }
  const hn = layerNorm(
    g,
    x,
    g.initializer('final_norm.weight', [d], ones(d)),
    g.initializer('final_norm.bias', [d], new Float32Array(d)),
    c.layer_norm_eps,
  );
  const logits = linear(g, hn, g.initializer('lm_head.weight_t', [d, c.vocab_size], lin(c.vocab_size, d)));
  g.output(logits, 'logits', 'float32', ['batch', c.vocab_size]);
  return g.serialize();
}
