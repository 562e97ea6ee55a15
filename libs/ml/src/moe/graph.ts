// The Mixture-of-Experts FFN as an ONNX subgraph (ADR 0002): router → softmax → TopK → renormalised weights,
// experts fc1 → GELU(erf) → fc2, outputs combined by the routing weights, plus per-expert token counts.
//
// Three ways to dispatch tokens to experts, all from the same prepared weights:
// - 'sparse' (the engine's default): standard ONNX ops. The (expert, token) pairs come out of ONE NonZero over the
//   [E, N] selection matrix, already grouped by expert; a Split by the per-expert counts gives each expert its
//   token list; each expert Gathers its rows and runs two 2-D MatMuls on them only; one ScatterND (reduction add)
//   puts the weighted rows back. Work is proportional to N·k, not N·E.
// - 'dense': every expert on every token, weighted by a [N, E] gate matrix that is zero off the top k. The
//   reference the sparse form is tested against, and the cost the sparse form avoids.
// - 'ort-contrib': onnxruntime's com.microsoft MoE operator. Measured in bench/moe, not used by default: its CPU
//   kernel applies GELU in the tanh approximation, not erf (see docs/engine/moe.md).
import { GraphBuilder } from '../onnx/graph-builder';
import { gelu, linear, transpose2d } from '../onnx/layers';
import { concatFloat32, getWeight, type WeightMap } from '../weights/tensor';
import type { MoeSettings } from './config';

export type MoeDispatch = 'sparse' | 'dense' | 'ort-contrib';

/** Name of the per-layer graph output with the tokens each expert processed in one run: int64 `[E]`. */
export const expertTokensName = (layer: number): string => `moe_expert_tokens_${layer}`;

/** Weights in nn.Linear layout as loaded; layouts per dispatch are made when the graph is built. */
export interface PreparedMoe {
  settings: MoeSettings;
  d: number;
  /** [d, E] (transposed router weight). */
  routerT: Float32Array;
  /** Per expert, nn.Linear layout: fc1 [f, d], fc2 [d, f]. */
  fc1: Float32Array[];
  fc1b: Float32Array[];
  fc2: Float32Array[];
  fc2b: Float32Array[];
}

export function prepareMoeFfn(weights: WeightMap, prefix: string, d: number, settings: MoeSettings): PreparedMoe {
  const E = settings.numExperts;
  const expert = (e: number, n: string) => getWeight(weights, `${prefix}.experts.${e}.${n}`);
  const ids = Array.from({ length: E }, (_, e) => e);
  return {
    settings,
    d,
    routerT: transpose2d(getWeight(weights, `${prefix}.router.weight`), E, d),
    fc1: ids.map((e) => expert(e, 'fc1.weight')),
    fc1b: ids.map((e) => expert(e, 'fc1.bias')),
    fc2: ids.map((e) => expert(e, 'fc2.weight')),
    fc2b: ids.map((e) => expert(e, 'fc2.bias')),
  };
}

/** Initializer names of one MoE FFN in a graph. */
export interface MoeNames {
  prepared: PreparedMoe;
  dispatch: MoeDispatch;
  router: string;
  /** sparse: one name per expert ([d, f], [f], [f, d], [d]); dense / ort-contrib: one stacked name each. */
  fc1: string[];
  fc1b: string[];
  fc2: string[];
  fc2b: string[];
}

/** Adds one MoE FFN's weights under `prefix` in the layout `dispatch` wants. */
export function addMoeWeights(g: GraphBuilder, prefix: string, p: PreparedMoe, dispatch: MoeDispatch): MoeNames {
  const { numExperts: E, expertFfnDim: f } = p.settings;
  const d = p.d;
  const router = g.initializer(`${prefix}.router.weight_t`, [d, E], p.routerT);
  const names = { prepared: p, dispatch, router };
  if (dispatch === 'sparse') {
    const per = (kind: string, dims: number[], data: Float32Array[]) =>
      data.map((t, e) => g.initializer(`${prefix}.experts.${e}.${kind}`, dims, t));
    return {
      ...names,
      fc1: per(
        'fc1.weight_t',
        [d, f],
        p.fc1.map((w) => transpose2d(w, f, d)),
      ),
      fc1b: per('fc1.bias', [f], p.fc1b),
      fc2: per(
        'fc2.weight_t',
        [f, d],
        p.fc2.map((w) => transpose2d(w, d, f)),
      ),
      fc2b: per('fc2.bias', [d], p.fc2b),
    };
  }
  // Stacked over experts. dense: [E, in, out] for batched MatMul; ort-contrib: nn.Linear's [E, out, in], the
  // layout its CPU kernel reads (GEMM with B transposed).
  const linearLayout = dispatch === 'ort-contrib';
  const stack = (ws: Float32Array[], out: number, inp: number) =>
    concatFloat32(linearLayout ? ws : ws.map((w) => transpose2d(w, out, inp)));
  const fc1Dims = linearLayout ? [E, f, d] : [E, d, f];
  const fc2Dims = linearLayout ? [E, d, f] : [E, f, d];
  const biasDims = (n: number) => (linearLayout ? [E, n] : [E, 1, n]);
  return {
    ...names,
    fc1: [g.initializer(`${prefix}.experts.fc1.weight_stacked`, fc1Dims, stack(p.fc1, f, d))],
    fc1b: [g.initializer(`${prefix}.experts.fc1.bias_stacked`, biasDims(f), concatFloat32(p.fc1b))],
    fc2: [g.initializer(`${prefix}.experts.fc2.weight_stacked`, fc2Dims, stack(p.fc2, d, f))],
    fc2b: [g.initializer(`${prefix}.experts.fc2.bias_stacked`, biasDims(d), concatFloat32(p.fc2b))],
  };
}

/**
 * The MoE FFN on `x` `[..., d]` (any leading dims, flattened to N tokens): returns `y` shaped like `x` and
 * `expertTokens` int64 `[E]`, how many (token, slot) assignments each expert received (sums to N·k).
 */
export function moeFfn(g: GraphBuilder, m: MoeNames, x: string): { y: string; expertTokens: string } {
  const { numExperts: E, topK: k } = m.prepared.settings;
  const d = m.prepared.d;
  // 1. Router: logits [N, E] → softmax → top k (TopK: ties go to the lower index) → weights renormalised over k.
  const x2 = g.op('Reshape', [x, g.constInt64([-1, d])]); // [N, d]
  const logits = linear(g, x2, m.router); // [N, E]
  const probs = g.op('Softmax', [logits], { axis: -1 });
  const [topP, topI] = g.node(
    'TopK',
    [probs, g.constInt64([k])],
    { axis: -1, largest: 1, sorted: 1 },
    { outputs: 2 },
  ) as [string, string]; // [N, k]
  const axisLast = g.constInt64([-1]);
  const topW = g.op('Div', [topP, g.op('ReduceSum', [topP, axisLast], { keepdims: 1 })]); // [N, k]
  // 2. Selection one-hot [N, k, E] → per-token selection [N, E] (0/1: the k experts are distinct) → counts [E].
  const oneHot = g.op('Equal', [g.op('Unsqueeze', [topI, axisLast]), g.constInt64(range(E))]); // [N, k, E]
  const selected = g.op('ReduceSum', [g.op('Cast', [oneHot], { to: INT64 }), g.constInt64([1])], { keepdims: 0 }); // [N, E]
  const expertTokens = g.op('ReduceSum', [selected, g.constInt64([0])], { keepdims: 0 }); // [E]
  let y: string;
  if (m.dispatch === 'ort-contrib') {
    // The contrib op routes by itself from the logits (softmax, top k, renormalised with normalize_routing_weights).
    const inputs = [x2, logits, m.fc1[0], m.fc1b[0], m.fc2[0], m.fc2b[0]] as string[];
    y = g.node(
      'MoE',
      inputs,
      { k, activation_type: 'gelu', normalize_routing_weights: 1 },
      { domain: MS },
    )[0] as string;
  } else {
    // gate [N, E]: the renormalised weight of each selected expert, 0 elsewhere.
    const gate = g.op(
      'ReduceSum',
      [g.op('Mul', [g.op('Cast', [oneHot], { to: FLOAT }), g.op('Unsqueeze', [topW, axisLast])]), g.constInt64([1])],
      { keepdims: 0 },
    );
    y = m.dispatch === 'dense' ? denseExperts(g, m, x2, gate) : sparseExperts(g, m, x2, gate, selected, expertTokens);
  }
  return { y: g.op('Reshape', [y, g.op('Shape', [x])]), expertTokens };
}

/** Every expert on every token: [E, N, d] weighted by gateᵀ and summed over experts. */
function denseExperts(g: GraphBuilder, m: MoeNames, x2: string, gate: string): string {
  const h = gelu(g, g.op('Add', [g.op('MatMul', [x2, m.fc1[0] as string]), m.fc1b[0] as string])); // [E, N, f]
  const out = g.op('Add', [g.op('MatMul', [h, m.fc2[0] as string]), m.fc2b[0] as string]); // [E, N, d]
  const gateT = g.op('Unsqueeze', [g.op('Transpose', [gate], { perm: [1, 0] }), g.constInt64([2])]); // [E, N, 1]
  return g.op('ReduceSum', [g.op('Mul', [out, gateT]), g.constInt64([0])], { keepdims: 0 }); // [N, d]
}

/** Each expert on its own tokens only; rows scattered back with their weights. */
function sparseExperts(
  g: GraphBuilder,
  m: MoeNames,
  x2: string,
  gate: string, // [N, E] float
  selected: string, // [N, E] int64 0/1
  counts: string, // [E] int64
): string {
  const E = m.prepared.settings.numExperts;
  // (expert, token) pairs in row-major order of selectedᵀ [E, N]: grouped by expert, tokens ascending.
  const pairs = g.op('NonZero', [g.op('Transpose', [selected], { perm: [1, 0] })]); // [2, N·k]
  const tokenIds = g.op('Gather', [pairs, g.constInt64([1], [])], { axis: 0 }); // [N·k]
  const perExpert = E === 1 ? [tokenIds] : g.node('Split', [tokenIds, counts], { axis: 0 }, { outputs: E });
  const rows = perExpert.map((ids, e) => {
    const xe = g.op('Gather', [x2, ids], { axis: 0 }); // [n_e, d]
    const h = gelu(g, linear(g, xe, m.fc1[e] as string, m.fc1b[e])); // [n_e, f]
    return linear(g, h, m.fc2[e] as string, m.fc2b[e]); // [n_e, d]
  });
  const stacked = E === 1 ? (rows[0] as string) : g.op('Concat', rows, { axis: 0 }); // [N·k, d], same order as pairs
  const gateT = g.op('Transpose', [gate], { perm: [1, 0] }); // [E, N]
  const rowWeights = g.op('GatherND', [gateT, g.op('Transpose', [pairs], { perm: [1, 0] })]); // [N·k]
  const weighted = g.op('Mul', [stacked, g.op('Unsqueeze', [rowWeights, g.constInt64([1])])]);
  const zeros = g.op('ConstantOfShape', [g.op('Shape', [x2])]); // [N, d] float32 zeros (the op's default)
  return g.op('ScatterND', [zeros, g.op('Unsqueeze', [tokenIds, g.constInt64([1])]), weighted], { reduction: 'add' });
}

const MS = 'com.microsoft';
const FLOAT = 1;
const INT64 = 7;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A graph of one MoE FFN alone: `x [tokens, d]` → `y [tokens, d]`, `expert_tokens [E]` (tests, bench/moe). */
export function buildMoeLayerGraph(p: PreparedMoe, dispatch: MoeDispatch): Uint8Array {
  const g = new GraphBuilder(`moe_ffn_${dispatch}`);
  const names = addMoeWeights(g, 'ffn', p, dispatch);
  const x = g.input('x', 'float32', ['tokens', p.d]);
  const { y, expertTokens } = moeFfn(g, names, x);
  g.output(y, 'y', 'float32', ['tokens', p.d]);
  g.output(expertTokens, 'expert_tokens', 'int64', [p.settings.numExperts]);
  return g.serialize();
}
