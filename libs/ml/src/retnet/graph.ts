// RetNet as ONNX graphs (ADR 0001): the parallel, chunkwise and recurrent forms, built from one set of weights.
//
// Layout choices (why):
// - Weights are pre-transposed to [in, out] once and q, k (with the d_k^-0.5 scale folded in), [v, 1] and g come
//   out of ONE fused MatMul per layer; the "ones column" of v' = [v, 1] is a zero weight column plus a bias of 1,
//   so the row sums r come out of the same MatMul as the values.
// - Rotation: x' = x·cos + rot(x)·sin, with rot(x) = x·P for a fixed signed permutation P [d_k, d_k], applied to
//   q and k together as [.., 2H, d_k]. (Folding P into the projection weights would also work but doubles the
//   q/k weight bytes that every decode step reads.)
// - Position-dependent numbers (cos/sin, γ^k, 1/sqrt(c_n)) are float64-computed tables Gathered by absolute
//   position; decay masks are built once per graph from them and shared by all layers.
// - Batch and sequence dims are symbolic; positions are per sequence, so one batch may mix positions.

import { moeSettings } from '../moe/config';
import { addMoeWeights, expertTokensName, type MoeNames, moeFfn, type PreparedMoe, prepareMoeFfn } from '../moe/graph';
import { GraphBuilder } from '../onnx/graph-builder';
import { gelu, layerNorm, linear, normalizeLastAxis, swish, transpose2d } from '../onnx/layers';
import { getWeight, type WeightMap } from '../weights/tensor';
import { type RetNetConfig, type RetNetDims, retNetDims } from './config';
import { decayGammas, decayPowerTable, rotaryTables, rowScaleTable } from './tables';

export type RetNetForm = 'parallel' | 'chunkwise' | 'recurrent';

export interface RetNetGraphOptions {
  /** 'all': logits for every position; 'last': only the last position's, `[batch, vocab]` (prefill). */
  logits?: 'all' | 'last';
  /**
   * Replaces the language-model head: receives the final-normed hidden states (`[batch, seq, d]` in the parallel
   * and chunkwise forms, `[batch, d]` in the recurrent form) and declares the graph's outputs itself; the graph has
   * no lm_head weight. Encoders (embeddings: masked mean pooling) and the multimodal late-fusion heads are built
   * this way from the same layers.
   */
  head?: (g: GraphBuilder, hidden: string) => void;
  /**
   * Builds the layers' input `[batch, seq, d]` in place of the token lookup (parallel and chunkwise forms): it
   * declares its own graph inputs; the graph then has no token-embedding table. The multimodal concatenation
   * prefix (projected image/audio tokens, run before the text) is built this way.
   */
  input?: (g: GraphBuilder) => string;
  /**
   * Emit `state_out_{i}` in the parallel and chunkwise forms (default: yes, unless a custom head replaces the
   * language-model head). The recurrent form always emits its states.
   */
  stateOutputs?: boolean;
}

interface PreparedLayer {
  wFused: Float32Array; // [d, 2d + H(d_v+1) + D_v]
  bFused: Float32Array; // [2d + H(d_v+1) + D_v]
  retNormW: Float32Array;
  retNormB: Float32Array;
  gnW: Float32Array; // [D_v]
  gnB: Float32Array;
  wOut: Float32Array; // [D_v, d]
  ffnNormW: Float32Array;
  ffnNormB: Float32Array;
  // Dense FFN, or `moe` (ADR 0002) in its place.
  fc1?: Float32Array; // [d, ffn]
  fc1b?: Float32Array;
  fc2?: Float32Array; // [ffn, d]
  fc2b?: Float32Array;
  moe?: PreparedMoe;
}

/** Weights rearranged for the graphs once, shared by the three forms. */
export interface PreparedRetNet {
  config: RetNetConfig;
  dims: RetNetDims;
  embed: Float32Array; // [V, d]
  layers: PreparedLayer[];
  finalNormW: Float32Array;
  finalNormB: Float32Array;
  lmHead: Float32Array; // [d, V]
  cos: Float32Array; // [N, d_k]
  sin: Float32Array; // [N, d_k]
  decayPow: Float32Array; // [N + 2, H]: γ^k, last row 0
  rowScale: Float32Array; // [N, H]: 1/sqrt(c_n)
  rotation: Float32Array; // [d_k, d_k]: x·P = rot(x)
}

/** Names of the per-layer state tensors in every form's inputs/outputs. */
export const stateInName = (layer: number): string => `state_in_${layer}`;
export const stateOutName = (layer: number): string => `state_out_${layer}`;

export function prepareRetNet(config: RetNetConfig, weights: WeightMap): PreparedRetNet {
  const dims = retNetDims(config);
  const { d, H, dk, dv, Dv, L, V, ffn } = dims;
  const N = config.max_seq_len;
  const layers: PreparedLayer[] = [];
  const fusedWidth = 2 * d + H * (dv + 1) + Dv;
  const scale = dk ** -0.5;
  const moe = moeSettings(config);
  for (let i = 0; i < L; i++) {
    const w = (n: string) => getWeight(weights, `layers.${i}.${n}`);
    const wq = w('retention.q_proj.weight'); // [d, d] (out, in)
    const wk = w('retention.k_proj.weight');
    const wv = w('retention.v_proj.weight'); // [Dv, d]
    const wg = w('retention.g_proj.weight');
    const fused = new Float32Array(d * fusedWidth);
    const bias = new Float32Array(fusedWidth);
    for (let h = 0; h < H; h++) bias[2 * d + h * (dv + 1) + dv] = 1;
    for (let inp = 0; inp < d; inp++) {
      const row = inp * fusedWidth;
      for (let o = 0; o < d; o++) {
        fused[row + o] = wq[o * d + inp] as number;
        fused[row + d + o] = scale * (wk[o * d + inp] as number);
      }
      for (let h = 0; h < H; h++) {
        for (let c = 0; c < dv; c++) fused[row + 2 * d + h * (dv + 1) + c] = wv[(h * dv + c) * d + inp] as number;
      }
      const gBase = row + 2 * d + H * (dv + 1);
      for (let o = 0; o < Dv; o++) fused[gBase + o] = wg[o * d + inp] as number;
    }
    layers.push({
      wFused: fused,
      bFused: bias,
      retNormW: w('retention_norm.weight'),
      retNormB: w('retention_norm.bias'),
      gnW: w('retention.group_norm.weight'),
      gnB: w('retention.group_norm.bias'),
      wOut: transpose2d(w('retention.out_proj.weight'), d, Dv),
      ffnNormW: w('ffn_norm.weight'),
      ffnNormB: w('ffn_norm.bias'),
      ...(moe
        ? { moe: prepareMoeFfn(weights, `layers.${i}.ffn`, d, moe) }
        : {
            fc1: transpose2d(w('ffn.fc1.weight'), ffn, d),
            fc1b: w('ffn.fc1.bias'),
            fc2: transpose2d(w('ffn.fc2.weight'), d, ffn),
            fc2b: w('ffn.fc2.bias'),
          }),
    });
  }
  const gammas = decayGammas(H);
  const { cos, sin } = rotaryTables(dk, config.rope_base, N);
  return {
    config,
    dims,
    embed: getWeight(weights, 'embed.weight'),
    layers,
    finalNormW: getWeight(weights, 'final_norm.weight'),
    finalNormB: getWeight(weights, 'final_norm.bias'),
    lmHead: transpose2d(getWeight(weights, 'lm_head.weight'), V, d),
    cos,
    sin,
    decayPow: decayPowerTable(gammas, N),
    rowScale: rowScaleTable(gammas, N),
    rotation: rotationMatrix(dk),
  };
}

/** P with (x·P)_{2j} = −x_{2j+1}, (x·P)_{2j+1} = x_{2j}. */
function rotationMatrix(dk: number): Float32Array {
  const P = new Float32Array(dk * dk);
  for (let j = 0; j < dk / 2; j++) {
    P[(2 * j + 1) * dk + 2 * j] = -1;
    P[2 * j * dk + 2 * j + 1] = 1;
  }
  return P;
}

/** Builds one form as serialized ONNX bytes. */
export function buildRetNetGraph(p: PreparedRetNet, form: RetNetForm, opts: RetNetGraphOptions = {}): Uint8Array {
  if (opts.input && form === 'recurrent') throw new Error('a custom input needs the parallel or chunkwise form');
  const g = new GraphBuilder(opts.head ? `retnet_${form}_head` : `retnet_${form}`);
  const w = addWeights(g, p, !opts.head, !opts.input);
  if (form === 'recurrent') buildRecurrent(g, p, w, opts.head);
  else buildSequence(g, p, w, form, opts.logits ?? 'all', opts);
  return g.serialize();
}

interface LayerNames {
  wFused: string;
  bFused: string;
  retNormW: string;
  retNormB: string;
  gnW: string;
  gnB: string;
  wOut: string;
  ffnNormW: string;
  ffnNormB: string;
  fc1?: string;
  fc1b?: string;
  fc2?: string;
  fc2b?: string;
  /** MoE FFN weights and the graph output of its per-expert token counts. */
  moe?: { names: MoeNames; countsOutput: string };
}

interface WeightNames {
  embed: string;
  layers: LayerNames[];
  finalNormW: string;
  finalNormB: string;
  lmHead: string;
  cos: string;
  sin: string;
  decayPow: string;
  rowScale: string;
  rotation: string;
}

function addWeights(g: GraphBuilder, p: PreparedRetNet, withLmHead: boolean, withEmbed = true): WeightNames {
  const { d, H, dk, dv, Dv, V, ffn } = p.dims;
  const N = p.config.max_seq_len;
  const fusedWidth = 2 * d + H * (dv + 1) + Dv;
  const layers = p.layers.map((l, i) => {
    const n = (s: string) => `layers.${i}.${s}`;
    return {
      wFused: g.initializer(n('retention.qkvg_fused'), [d, fusedWidth], l.wFused),
      bFused: g.initializer(n('retention.qkvg_bias'), [fusedWidth], l.bFused),
      retNormW: g.initializer(n('retention_norm.weight'), [d], l.retNormW),
      retNormB: g.initializer(n('retention_norm.bias'), [d], l.retNormB),
      gnW: g.initializer(n('retention.group_norm.weight'), [Dv], l.gnW),
      gnB: g.initializer(n('retention.group_norm.bias'), [Dv], l.gnB),
      wOut: g.initializer(n('retention.out_proj.weight_t'), [Dv, d], l.wOut),
      ffnNormW: g.initializer(n('ffn_norm.weight'), [d], l.ffnNormW),
      ffnNormB: g.initializer(n('ffn_norm.bias'), [d], l.ffnNormB),
      ...(l.moe
        ? { moe: { names: addMoeWeights(g, n('ffn'), l.moe, 'sparse'), countsOutput: expertTokensName(i) } }
        : {
            fc1: g.initializer(n('ffn.fc1.weight_t'), [d, ffn], l.fc1 as Float32Array),
            fc1b: g.initializer(n('ffn.fc1.bias'), [ffn], l.fc1b as Float32Array),
            fc2: g.initializer(n('ffn.fc2.weight_t'), [ffn, d], l.fc2 as Float32Array),
            fc2b: g.initializer(n('ffn.fc2.bias'), [d], l.fc2b as Float32Array),
          }),
    };
  });
  return {
    embed: withEmbed ? g.initializer('embed.weight', [V, d], p.embed) : '',
    layers,
    finalNormW: g.initializer('final_norm.weight', [d], p.finalNormW),
    finalNormB: g.initializer('final_norm.bias', [d], p.finalNormB),
    lmHead: withLmHead ? g.initializer('lm_head.weight_t', [d, V], p.lmHead) : '',
    cos: g.initializer('rope_cos', [N, dk], p.cos),
    sin: g.initializer('rope_sin', [N, dk], p.sin),
    decayPow: g.initializer('decay_pow', [N + 2, H], p.decayPow),
    rowScale: g.initializer('row_scale', [N, H], p.rowScale),
    rotation: g.initializer('rotation', [dk, dk], p.rotation),
  };
}

/** Splits the fused projection into rotated q', k' (split on `headAxis` of `headShape`), v' and g. */
function projectAndRotate(
  g: GraphBuilder,
  p: PreparedRetNet,
  w: WeightNames,
  l: LayerNames,
  h: string, // [..., d] normalised input
  headShape: number[], // reshape target of [q | k] with 2H heads, e.g. [0, 0, 2H, d_k]
  headAxis: number,
  cos: string, // broadcastable to headShape
  sin: string,
): { q: string; k: string; v: string; gate: string } {
  const { d, H, dv, Dv } = p.dims;
  const proj = linear(g, h, l.wFused, l.bFused); // [..., 2d + H(d_v+1) + D_v]
  const [qk, v, gate] = g.node(
    'Split',
    [proj, g.constInt64([2 * d, H * (dv + 1), Dv])],
    { axis: -1 },
    { outputs: 3 },
  ) as [string, string, string];
  const heads = g.op('Reshape', [qk, g.constInt64(headShape)]); // [..., 2H, d_k]
  const rotated = g.op('Add', [g.op('Mul', [heads, cos]), g.op('Mul', [g.op('MatMul', [heads, w.rotation]), sin])]);
  const [q, k] = g.node('Split', [rotated, g.constInt64([H, H])], { axis: headAxis }, { outputs: 2 }) as [
    string,
    string,
  ];
  return { q, k, v, gate };
}

/** GroupNorm(H groups) + affine + swish gate + output projection: o [..., H, d_v] → [..., d]. */
function gateAndProject(g: GraphBuilder, p: PreparedRetNet, l: LayerNames, o: string, gate: string, flat: number[]) {
  const normed = normalizeLastAxis(g, o, p.config.group_norm_eps); // [..., H, d_v]
  const gn = g.op('Add', [g.op('Mul', [g.op('Reshape', [normed, g.constInt64(flat)]), l.gnW]), l.gnB]); // [..., D_v]
  return linear(g, g.op('Mul', [swish(g, gate), gn]), l.wOut); // [..., d]
}

/** o ← o / max(|r|, 1) where the last channel of `ov` holds r. */
function normalizeByRowSum(g: GraphBuilder, p: PreparedRetNet, ov: string): string {
  const [o, r] = g.node('Split', [ov, g.constInt64([p.dims.dv, 1])], { axis: -1 }, { outputs: 2 }) as [string, string];
  return g.op('Div', [o, g.op('Max', [g.op('Abs', [r]), g.constFloat([1], [])])]);
}

function ffnBlock(g: GraphBuilder, p: PreparedRetNet, l: LayerNames, x: string): string {
  const h = layerNorm(g, x, l.ffnNormW, l.ffnNormB, p.config.layer_norm_eps);
  if (l.moe) {
    // Sparse MoE FFN (ADR 0002); every form also outputs the layer's per-expert token counts (load statistics).
    const { y, expertTokens } = moeFfn(g, l.moe.names, h);
    g.output(expertTokens, l.moe.countsOutput, 'int64', [l.moe.names.prepared.settings.numExperts]);
    return g.op('Add', [x, y]);
  }
  const y = linear(g, gelu(g, linear(g, h, l.fc1 as string, l.fc1b)), l.fc2 as string, l.fc2b);
  return g.op('Add', [x, y]);
}

/** Gathers table rows [N, H] at `index` [...] and moves H first: → [H, ...]. */
function headsFirst(g: GraphBuilder, table: string, index: string, rank: number): string {
  const gathered = g.op('Gather', [table, index], { axis: 0 }); // [..., H]
  const perm = [rank, ...Array.from({ length: rank }, (_, i) => i)];
  return g.op('Transpose', [gathered], { perm });
}

/** Parallel (no state in, positions from 0) and chunkwise (state in, chunk at per-sequence `start`). */
function buildSequence(
  g: GraphBuilder,
  p: PreparedRetNet,
  w: WeightNames,
  form: 'parallel' | 'chunkwise',
  logitsMode: 'all' | 'last',
  opts: RetNetGraphOptions,
): void {
  const head = opts.head;
  const withStates = opts.stateOutputs ?? !head;
  const { H, dk, dv, Dv, V, L } = p.dims;
  const N = p.config.max_seq_len;
  const seq = form === 'parallel' ? 'seq' : 'chunk';
  // Layer input: the token lookup, or what the custom input builds from its own graph inputs.
  const x0 = opts.input
    ? opts.input(g) // [B, C, d]
    : g.op('Gather', [w.embed, g.input('tokens', 'int64', ['batch', seq])], { axis: 0 }); // [B, C, d]
  const start = form === 'chunkwise' ? g.input('start', 'int64', ['batch']) : undefined; // [B]
  const statesIn =
    form === 'chunkwise'
      ? Array.from({ length: L }, (_, i) => g.input(stateInName(i), 'float32', ['batch', H, dk, dv + 1]))
      : [];

  // 1. Chunk length and index vectors: idx = 0..C-1.
  const scalar0 = g.constInt64([0], []);
  const scalar1 = g.constInt64([1], []);
  const C = g.op('Gather', [g.op('Shape', [x0]), scalar1], { axis: 0 }); // scalar
  const idx = g.op('Range', [scalar0, C, scalar1]); // [C]

  // 2. Positions, rotation tables and per-row scales. Parallel: all rows share positions 0..C-1, no batch dim.
  let cos: string;
  let sin: string;
  let rowScale: string; // [H, C, 1] or [B, H, C, 1]
  if (start) {
    const positions = g.op('Add', [
      g.op('Unsqueeze', [start, g.constInt64([1])]),
      g.op('Unsqueeze', [idx, g.constInt64([0])]),
    ]); // [B, C]
    const axis2 = g.constInt64([2]);
    cos = g.op('Unsqueeze', [g.op('Gather', [w.cos, positions], { axis: 0 }), axis2]); // [B, C, 1, d_k]
    sin = g.op('Unsqueeze', [g.op('Gather', [w.sin, positions], { axis: 0 }), axis2]);
    const rs = g.op('Gather', [w.rowScale, positions], { axis: 0 }); // [B, C, H]
    rowScale = g.op('Unsqueeze', [g.op('Transpose', [rs], { perm: [0, 2, 1] }), g.constInt64([3])]); // [B, H, C, 1]
  } else {
    const axis1 = g.constInt64([1]);
    cos = g.op('Unsqueeze', [g.op('Gather', [w.cos, idx], { axis: 0 }), axis1]); // [C, 1, d_k]
    sin = g.op('Unsqueeze', [g.op('Gather', [w.sin, idx], { axis: 0 }), axis1]);
    rowScale = g.op('Unsqueeze', [headsFirst(g, w.rowScale, idx, 1), g.constInt64([2])]); // [H, C, 1]
  }

  // 3. Decay masks, once for all layers. inner[h, i, j] = γ_h^{i−j} (0 for j > i, via the zero row N+1).
  const diff = g.op('Sub', [g.op('Unsqueeze', [idx, g.constInt64([1])]), g.op('Unsqueeze', [idx, g.constInt64([0])])]); // [C, C]
  const future = g.constInt64([N + 1], []);
  const diffIdx = g.op('Where', [g.op('GreaterOrEqual', [diff, scalar0]), diff, future]); // [C, C]
  const inner = headsFirst(g, w.decayPow, diffIdx, 2); // [H, C, C]
  const mask = g.op('Mul', [inner, rowScale]); // [H, C, C] or [B, H, C, C]
  // State update weights γ^{C−1−j} (as [H, 1, C], multiplying kᵀ [B, H, d_k, C]) and the carry γ^C.
  const cMinus1 = g.op('Sub', [C, scalar1]);
  const kDecay = g.op('Unsqueeze', [headsFirst(g, w.decayPow, g.op('Sub', [cMinus1, idx]), 1), g.constInt64([1])]); // [H, 1, C]
  // Cross-chunk term weights γ^{i+1} / sqrt(c_{p+i}) → [B, H, C, 1], and the state carry γ^C → [H, 1, 1].
  const crossScale = start
    ? g.op('Mul', [
        g.op('Unsqueeze', [headsFirst(g, w.decayPow, g.op('Add', [idx, scalar1]), 1), g.constInt64([2])]),
        rowScale,
      ])
    : undefined;
  const carry = start
    ? g.op('Reshape', [g.op('Gather', [w.decayPow, C], { axis: 0 }), g.constInt64([H, 1, 1])])
    : undefined;

  // 4. Layers.
  let x = x0; // [B, C, d]
  for (let i = 0; i < L; i++) {
    const l = w.layers[i] as LayerNames;
    const h = layerNorm(g, x, l.retNormW, l.retNormB, p.config.layer_norm_eps);
    const { q, k, v, gate } = projectAndRotate(g, p, w, l, h, [0, 0, 2 * H, dk], 2, cos, sin); // q, k: [B, C, H, d_k]
    const qh = g.op('Transpose', [q], { perm: [0, 2, 1, 3] }); // [B, H, C, d_k]
    const khT = g.op('Transpose', [k], { perm: [0, 2, 3, 1] }); // [B, H, d_k, C]
    const vh = g.op('Transpose', [g.op('Reshape', [v, g.constInt64([0, 0, H, dv + 1])])], { perm: [0, 2, 1, 3] }); // [B, H, C, d_v+1]
    const scores = g.op('Mul', [g.op('MatMul', [qh, khT]), mask]); // [B, H, C, C]
    let ov = g.op('MatMul', [scores, vh]); // [B, H, C, d_v+1]
    if (crossScale && carry) {
      const stateIn = statesIn[i] as string;
      ov = g.op('Add', [ov, g.op('Mul', [g.op('MatMul', [qh, stateIn]), crossScale])]);
    }
    if (withStates) {
      let stateOut = g.op('MatMul', [g.op('Mul', [khT, kDecay]), vh]); // [B, H, d_k, d_v+1]
      if (carry) stateOut = g.op('Add', [stateOut, g.op('Mul', [statesIn[i] as string, carry])]);
      g.output(stateOut, stateOutName(i), 'float32', ['batch', H, dk, dv + 1]);
    }
    const o = g.op('Transpose', [normalizeByRowSum(g, p, ov)], { perm: [0, 2, 1, 3] }); // [B, C, H, d_v]
    x = g.op('Add', [x, gateAndProject(g, p, l, o, gate, [0, 0, Dv])]); // [B, C, d]
    x = ffnBlock(g, p, l, x);
  }

  // 5. Head: final norm, then a custom head on every position, or lm_head on every position or only the last.
  if (head) {
    head(g, layerNorm(g, x, w.finalNormW, w.finalNormB, p.config.layer_norm_eps)); // [B, C, d]
    return;
  }
  if (logitsMode === 'last') x = g.op('Gather', [x, g.constInt64([-1], [])], { axis: 1 }); // [B, d]
  const logits = linear(g, layerNorm(g, x, w.finalNormW, w.finalNormB, p.config.layer_norm_eps), w.lmHead);
  g.output(logits, 'logits', 'float32', logitsMode === 'last' ? ['batch', V] : ['batch', seq, V]);
}

/** One token per sequence at its own position: O(1) work and memory per token. */
function buildRecurrent(
  g: GraphBuilder,
  p: PreparedRetNet,
  w: WeightNames,
  head?: (g: GraphBuilder, hidden: string) => void,
): void {
  const { H, dk, dv, Dv, V, L } = p.dims;
  const tokens = g.input('tokens', 'int64', ['batch']); // [B]
  const positions = g.input('positions', 'int64', ['batch']); // [B]
  const statesIn = Array.from({ length: L }, (_, i) => g.input(stateInName(i), 'float32', ['batch', H, dk, dv + 1]));

  const cos = g.op('Unsqueeze', [g.op('Gather', [w.cos, positions], { axis: 0 }), g.constInt64([1, 2])]); // [B, 1, 1, d_k]
  const sin = g.op('Unsqueeze', [g.op('Gather', [w.sin, positions], { axis: 0 }), g.constInt64([1, 2])]);
  const rowScale = g.op('Unsqueeze', [g.op('Gather', [w.rowScale, positions], { axis: 0 }), g.constInt64([2, 3])]); // [B, H, 1, 1]
  const gamma = g.op('Reshape', [
    g.op('Gather', [w.decayPow, g.constInt64([1], [])], { axis: 0 }),
    g.constInt64([H, 1, 1]),
  ]); // [H, 1, 1]

  let x = g.op('Gather', [w.embed, tokens], { axis: 0 }); // [B, d]
  for (let i = 0; i < L; i++) {
    const l = w.layers[i] as LayerNames;
    const h = layerNorm(g, x, l.retNormW, l.retNormB, p.config.layer_norm_eps);
    const { q, k, v, gate } = projectAndRotate(g, p, w, l, h, [0, 2 * H, 1, dk], 1, cos, sin); // q, k: [B, H, 1, d_k]
    const kCol = g.op('Reshape', [k, g.constInt64([0, H, dk, 1])]); // [B, H, d_k, 1]
    const vRow = g.op('Reshape', [v, g.constInt64([0, H, 1, dv + 1])]); // [B, H, 1, d_v+1]
    // Σ_n = γ Σ_{n−1} + k_nᵀ v'_n
    // Named as the graph output itself: a renaming Identity would copy the whole state again, because the readout
    // below also consumes it (ORT removes an Identity only when its input has no other consumer).
    const decayed = g.op('Mul', [statesIn[i] as string, gamma]);
    const update = g.op('Mul', [kCol, vRow]);
    const [state] = g.node('Add', [decayed, update], {}, { outputNames: [stateOutName(i)] }) as [string]; // [B, H, d_k, d_v+1]
    g.output(state, stateOutName(i), 'float32', ['batch', H, dk, dv + 1]);
    const ov = g.op('Mul', [g.op('MatMul', [q, state]), rowScale]); // [B, H, 1, d_v+1]
    const o = g.op('Reshape', [normalizeByRowSum(g, p, ov), g.constInt64([0, H, dv])]); // [B, H, d_v]
    x = g.op('Add', [x, gateAndProject(g, p, l, o, gate, [0, Dv])]); // [B, d]
    x = ffnBlock(g, p, l, x);
  }
  const normed = layerNorm(g, x, w.finalNormW, w.finalNormB, p.config.layer_norm_eps); // [B, d]
  if (head) {
    head(g, normed);
    return;
  }
  g.output(linear(g, normed, w.lmHead), 'logits', 'float32', ['batch', V]);
}
