// Fusion graphs (ADR 0003). Two families:
// - early fusion, `concat`: projected modality tokens become a prefix of the RetNet's input; the prefix graph runs
//   the RetNet's parallel form over them and hands its state to the ordinary text graphs (chunkwise, recurrent).
// - late fusion, `cross_attention` | `gated` | `hierarchical`: the RetNet runs on text alone and emits final-normed
//   hidden states; a fusion head mixes them with the modality tokens, position by position, before lm_head. Being
//   per-position and causal, it runs on the recurrent form's hidden state at every decode step (no re-run).
// Absent modalities: the concat prefix graph exists per subset of modalities (the prefix length differs); the late
// fusion head takes every configured modality with a presence flag per sequence (absent = zero tokens, flag 0).
import { GraphBuilder } from '../onnx/graph-builder';
import { buildRetNetGraph, type PreparedRetNet, type RetNetForm } from '../retnet/graph';
import type { WeightMap } from '../weights/tensor';
import { crossAttention } from './attention';
import { configuredModalities, fusionHeads, type Modality, type MultimodalConfig, modalityShape } from './config';
import { presentName, tokensName } from './encoders';
import { GraphWeights } from './graph-weights';

export const FUSION_IO = {
  hidden: 'hidden', // late fusion: final-normed RetNet hidden states ([batch, d] last position / recurrent)
  logits: 'logits',
} as const;

// Additive attention bias for a masked memory token: far below any real score, still finite in fp32.
const MASKED = -1e9;

/** Early fusion: modality tokens of `mods` → projected prefix → RetNet parallel form → states (+ last logits). */
export function buildConcatPrefixGraph(
  c: MultimodalConfig,
  prepared: PreparedRetNet,
  weights: WeightMap,
  mods: readonly Modality[],
): Uint8Array {
  if (mods.length === 0) throw new Error('a concat prefix needs at least one modality');
  return buildRetNetGraph(prepared, 'parallel', {
    logits: 'last',
    stateOutputs: true,
    input: (g: GraphBuilder) => {
      const w = new GraphWeights(g, weights);
      const parts = mods.map((m) => {
        const { tokens, dim } = modalityShape(c, m);
        const x = g.input(tokensName(m), 'float32', ['batch', tokens, dim]);
        return w.linear(x, `fusion.${m}.proj`); // [B, N_m, d]
      });
      return parts.length === 1 ? (parts[0] as string) : g.op('Concat', parts, { axis: 1 }); // [B, P, d]
    },
  });
}

/** Late fusion: a RetNet form that outputs the last position's final-normed hidden state [B, d] and its states. */
export function buildHiddenGraph(prepared: PreparedRetNet, form: RetNetForm): Uint8Array {
  const d = prepared.dims.d;
  return buildRetNetGraph(prepared, form, {
    stateOutputs: true,
    head: (g, hidden) => {
      const last = form === 'recurrent' ? hidden : g.op('Gather', [hidden, g.constInt64([-1], [])], { axis: 1 });
      g.output(last, FUSION_IO.hidden, 'float32', ['batch', d]);
    },
  });
}

/**
 * Late fusion head: hidden [B, seq, d] + every configured modality's tokens and presence flag → logits
 * [B, seq, V]. The serving path feeds seq = 1 (one position per sequence).
 */
export function buildFusionHeadGraph(c: MultimodalConfig, weights: WeightMap): Uint8Array {
  if (c.fusion === 'concat') throw new Error('concat fusion has no fusion head; it fuses in the prefix');
  const g = new GraphBuilder(`fusion_${c.fusion}`);
  const w = new GraphWeights(g, weights);
  const d = c.text.embed_dim;
  const heads = fusionHeads(c);
  const eps = c.text.layer_norm_eps;
  const h = g.input(FUSION_IO.hidden, 'float32', ['batch', 'seq', d]);
  const mods = configuredModalities(c).map((m) => {
    const { tokens, dim } = modalityShape(c, m);
    const mem = g.input(tokensName(m), 'float32', ['batch', tokens, dim]);
    const present = g.input(presentName(m), 'float32', ['batch']);
    const flag = g.op('Reshape', [present, g.constInt64([-1, 1, 1])]); // [B, 1, 1]
    const flag4 = g.op('Reshape', [present, g.constInt64([-1, 1, 1, 1])]); // [B, 1, 1, 1]
    return { m, tokens, mem, flag, flag4 };
  });
  const sum = (terms: string[]) => terms.reduce((acc, t) => g.op('Add', [acc, t]));

  let fused: string;
  switch (c.fusion) {
    case 'cross_attention':
      // h + Σ_m present_m · CrossAttn_m(h, tokens_m)
      fused = sum([
        h,
        ...mods.map((x) => g.op('Mul', [crossAttention(w, `fusion.${x.m}`, h, x.mem, d, heads, eps), x.flag])),
      ]);
      break;
    case 'gated':
      // h + Σ_m present_m · σ(W_g [h; f_m] + b) ⊙ f_m, f_m = proj_m(mean over tokens)
      fused = sum([
        h,
        ...mods.map((x) => {
          const pooled = g.op('ReduceMean', [x.mem], { axes: [1], keepdims: 1 }); // [B, 1, Dm]
          const f = w.linear(pooled, `fusion.${x.m}.proj`); // [B, 1, d]
          const fWide = g.op('Expand', [f, g.op('Shape', [h])]); // [B, seq, d]
          const gate = g.op('Sigmoid', [w.linear(g.op('Concat', [h, fWide], { axis: -1 }), `fusion.${x.m}.gate`)]);
          return g.op('Mul', [g.op('Mul', [gate, fWide]), x.flag]);
        }),
      ]);
      break;
    case 'hierarchical': {
      // 1. Pairwise: text ⊗ each modality.  2. All: the pairwise-fused text attends to every present token at once.
      const pairwise = sum([
        h,
        ...mods.map((x) => g.op('Mul', [crossAttention(w, `fusion.${x.m}`, h, x.mem, d, heads, eps), x.flag])),
      ]);
      const joint = mods.map((x) => w.linear(x.mem, `fusion.joint.${x.m}.proj`)); // [B, N_m, d]
      const bias = mods.map((x) =>
        g.op('Expand', [
          g.op('Mul', [g.op('Sub', [x.flag4, g.constFloat([1], [])]), g.constFloat([-MASKED], [])]),
          g.constInt64([1, 1, 1, x.tokens]),
        ]),
      ); // [B, 1, 1, N_m]: 0 present, −1e9 absent
      const memory = joint.length === 1 ? (joint[0] as string) : g.op('Concat', joint, { axis: 1 });
      const keyBias = bias.length === 1 ? (bias[0] as string) : g.op('Concat', bias, { axis: 3 });
      const any =
        mods.length === 1
          ? (mods[0]?.flag as string)
          : g.op(
              'Max',
              mods.map((x) => x.flag),
            );
      const all = crossAttention(w, 'fusion.joint.attn', pairwise, memory, d, heads, eps, keyBias);
      fused = g.op('Add', [pairwise, g.op('Mul', [all, any])]);
      break;
    }
    default: {
      const never: never = c.fusion;
      throw new Error(`unknown fusion ${never}`);
    }
  }
  const logits = g.op('MatMul', [w.layerNorm(fused, 'fusion.final_norm', eps), w.transposed('text.lm_head.weight')]);
  g.output(logits, FUSION_IO.logits, 'float32', ['batch', 'seq', c.text.vocab_size]);
  return g.serialize();
}
