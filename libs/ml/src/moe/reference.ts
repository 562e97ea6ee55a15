// A plain float64 Mixture-of-Experts FFN written from ADR 0002, sharing no code with the graphs: the oracle the
// graph tests (and the RetNet reference, for MoE models) compare against.
import { getWeight, type WeightMap } from '../weights/tensor';
import type { MoeSettings } from './config';

/** Routing of N tokens: the k chosen experts per token (best first) and their renormalised weights. */
export interface MoeRouting {
  /** [N, k] expert ids, in order of decreasing probability; equal probabilities: lower expert id first. */
  indices: Int32Array;
  /** [N, k] p_e / Σ_selected p, summing to 1 per token. */
  weights: Float64Array;
  /** [N, E] the full softmax. */
  probs: Float64Array;
}

/** softmax over E router logits per token, then the top k by selection (strictly greater wins: ties → lower id). */
export function routeTopK(logits: ArrayLike<number>, N: number, E: number, k: number): MoeRouting {
  const indices = new Int32Array(N * k);
  const weights = new Float64Array(N * k);
  const probs = new Float64Array(N * E);
  for (let n = 0; n < N; n++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let e = 0; e < E; e++) max = Math.max(max, logits[n * E + e] as number);
    let sum = 0;
    for (let e = 0; e < E; e++) {
      const v = Math.exp((logits[n * E + e] as number) - max);
      probs[n * E + e] = v;
      sum += v;
    }
    for (let e = 0; e < E; e++) probs[n * E + e] = (probs[n * E + e] as number) / sum;
    const taken = new Set<number>();
    let selected = 0;
    for (let j = 0; j < k; j++) {
      let best = -1;
      for (let e = 0; e < E; e++) {
        if (taken.has(e)) continue;
        if (best < 0 || (probs[n * E + e] as number) > (probs[n * E + best] as number)) best = e;
      }
      taken.add(best);
      indices[n * k + j] = best;
      selected += probs[n * E + best] as number;
    }
    for (let j = 0; j < k; j++)
      weights[n * k + j] = (probs[n * E + (indices[n * k + j] as number)] as number) / selected;
  }
  return { indices, weights, probs };
}

/** y [N, d] = Σ_j w_j · expert_{i_j}(x) for x [N, d]; each expert is fc1 → GELU(erf) → fc2 with biases. */
export function referenceMoeFfn(
  x: ArrayLike<number>,
  N: number,
  d: number,
  weights: WeightMap,
  prefix: string,
  s: MoeSettings,
  /** 'tanh': GELU's tanh approximation instead of erf — only to explain other kernels' numbers (bench/moe). */
  geluForm: 'erf' | 'tanh' = 'erf',
): { y: Float64Array; routing: MoeRouting } {
  const E = s.numExperts;
  const f = s.expertFfnDim;
  const router = getWeight(weights, `${prefix}.router.weight`); // [E, d]
  const logits = new Float64Array(N * E);
  for (let n = 0; n < N; n++) {
    for (let e = 0; e < E; e++) {
      let acc = 0;
      for (let c = 0; c < d; c++) acc += (x[n * d + c] as number) * (router[e * d + c] as number);
      logits[n * E + e] = acc;
    }
  }
  const routing = routeTopK(logits, N, E, s.topK);
  const y = new Float64Array(N * d);
  const hidden = new Float64Array(f);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < s.topK; j++) {
      const e = routing.indices[n * s.topK + j] as number;
      const gate = routing.weights[n * s.topK + j] as number;
      const w = (name: string) => getWeight(weights, `${prefix}.experts.${e}.${name}`);
      const [w1, b1, w2, b2] = [w('fc1.weight'), w('fc1.bias'), w('fc2.weight'), w('fc2.bias')];
      for (let o = 0; o < f; o++) {
        let acc = b1[o] as number;
        for (let c = 0; c < d; c++) acc += (x[n * d + c] as number) * (w1[o * d + c] as number);
        hidden[o] =
          geluForm === 'erf'
            ? 0.5 * acc * (1 + erf64(acc / Math.SQRT2))
            : 0.5 * acc * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (acc + 0.044715 * acc ** 3)));
      }
      for (let o = 0; o < d; o++) {
        let acc = b2[o] as number;
        for (let c = 0; c < f; c++) acc += (hidden[c] as number) * (w2[o * f + c] as number);
        y[n * d + o] = (y[n * d + o] as number) + gate * acc;
      }
    }
  }
  return { y, routing };
}

/** erf via its Maclaurin series (|x| < 3) or continued fraction; accurate to ~1e-15, ample for a 1e-5 oracle. */
function erf64(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 3) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(z) = exp(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + …)))), evaluated bottom-up.
    let frac = z;
    for (let n = 60; n >= 1; n--) frac = z + n / 2 / frac;
    r = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / frac;
  }
  return x >= 0 ? r : -r;
}
