// A slow, plain-TypeScript RetNet forward pass written straight from ADR 0001's parallel formula, in float64.
// It shares nothing with the ONNX graphs (no fused weights, no tables), which makes it a useful oracle for them
// at tiny sizes.
import { moeSettings } from '../moe/config';
import { referenceMoeFfn } from '../moe/reference';
import { getWeight, type WeightMap } from '../weights/tensor';
import { type RetNetConfig, retNetDims } from './config';

/** Logits `[T, V]` for one sequence of tokens starting at position 0. */
export function referenceRetNetLogits(
  config: RetNetConfig,
  weights: WeightMap,
  tokens: readonly number[],
): Float64Array {
  const { d, H, dk, dv, Dv, L, V, ffn } = retNetDims(config);
  const T = tokens.length;
  const w = (name: string) => getWeight(weights, name);
  // x [T, d]
  let x: Float64Array = new Float64Array(T * d);
  const embed = w('embed.weight');
  tokens.forEach((tok, t) => {
    for (let c = 0; c < d; c++) x[t * d + c] = embed[tok * d + c] as number;
  });
  const thetas = Array.from({ length: dk / 2 }, (_, j) => config.rope_base ** (-j / (dk / 2 - 1)));
  for (let i = 0; i < L; i++) {
    const p = `layers.${i}`;
    const h = layerNormRows(
      x,
      T,
      d,
      w(`${p}.retention_norm.weight`),
      w(`${p}.retention_norm.bias`),
      config.layer_norm_eps,
    );
    const q = matmulT(h, T, d, w(`${p}.retention.q_proj.weight`), d);
    const k = matmulT(h, T, d, w(`${p}.retention.k_proj.weight`), d).map((v) => v * dk ** -0.5);
    const v = matmulT(h, T, d, w(`${p}.retention.v_proj.weight`), Dv);
    const gte = matmulT(h, T, d, w(`${p}.retention.g_proj.weight`), Dv);
    rotate(q, T, H, dk, thetas);
    rotate(k, T, H, dk, thetas);
    const o = new Float64Array(T * Dv);
    for (let hd = 0; hd < H; hd++) {
      const gamma = 1 - 2 ** (-5 - hd);
      for (let n = 0; n < T; n++) {
        const cn = (1 - gamma ** (n + 1)) / (1 - gamma);
        const row = new Float64Array(n + 1);
        let rowSum = 0;
        for (let m = 0; m <= n; m++) {
          let dot = 0;
          for (let c = 0; c < dk; c++) dot += (q[n * d + hd * dk + c] as number) * (k[m * d + hd * dk + c] as number);
          row[m] = (dot * gamma ** (n - m)) / Math.sqrt(cn);
          rowSum += row[m] as number;
        }
        const denom = Math.max(Math.abs(rowSum), 1);
        for (let c = 0; c < dv; c++) {
          let acc = 0;
          for (let m = 0; m <= n; m++) acc += ((row[m] as number) / denom) * (v[m * Dv + hd * dv + c] as number);
          o[n * Dv + hd * dv + c] = acc;
        }
      }
    }
    // GroupNorm: one group per head over its d_v channels, then affine over D_v; swish gate; out_proj.
    const gnW = w(`${p}.retention.group_norm.weight`);
    const gnB = w(`${p}.retention.group_norm.bias`);
    const y = new Float64Array(T * Dv);
    for (let n = 0; n < T; n++) {
      for (let hd = 0; hd < H; hd++) {
        const base = n * Dv + hd * dv;
        let mean = 0;
        for (let c = 0; c < dv; c++) mean += o[base + c] as number;
        mean /= dv;
        let variance = 0;
        for (let c = 0; c < dv; c++) variance += ((o[base + c] as number) - mean) ** 2;
        variance /= dv;
        for (let c = 0; c < dv; c++) {
          const gn =
            (((o[base + c] as number) - mean) / Math.sqrt(variance + config.group_norm_eps)) *
              (gnW[hd * dv + c] as number) +
            (gnB[hd * dv + c] as number);
          const gv = gte[base + c] as number;
          y[base + c] = (gv / (1 + Math.exp(-gv))) * gn;
        }
      }
    }
    x = add(x, matmulT(y, T, Dv, w(`${p}.retention.out_proj.weight`), d));
    const hf = layerNormRows(x, T, d, w(`${p}.ffn_norm.weight`), w(`${p}.ffn_norm.bias`), config.layer_norm_eps);
    const moe = moeSettings(config);
    if (moe) {
      x = add(x, referenceMoeFfn(hf, T, d, weights, `${p}.ffn`, moe).y); // ADR 0002
      continue;
    }
    const f1 = matmulT(hf, T, d, w(`${p}.ffn.fc1.weight`), ffn, w(`${p}.ffn.fc1.bias`)).map(
      (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
    );
    x = add(x, matmulT(f1, T, ffn, w(`${p}.ffn.fc2.weight`), d, w(`${p}.ffn.fc2.bias`)));
  }
  const hn = layerNormRows(x, T, d, w('final_norm.weight'), w('final_norm.bias'), config.layer_norm_eps);
  return matmulT(hn, T, d, w('lm_head.weight'), V);
}

/** x [rows, inDim] · Wᵀ with W [outDim, inDim] (nn.Linear layout) + b. */
function matmulT(x: Float64Array, rows: number, inDim: number, wt: Float32Array, outDim: number, b?: Float32Array) {
  const out = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let acc = b ? (b[o] as number) : 0;
      for (let c = 0; c < inDim; c++) acc += (x[r * inDim + c] as number) * (wt[o * inDim + c] as number);
      out[r * outDim + o] = acc;
    }
  }
  return out;
}

function layerNormRows(x: Float64Array, rows: number, dim: number, wt: Float32Array, b: Float32Array, eps: number) {
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < dim; c++) mean += x[r * dim + c] as number;
    mean /= dim;
    let variance = 0;
    for (let c = 0; c < dim; c++) variance += ((x[r * dim + c] as number) - mean) ** 2;
    variance /= dim;
    for (let c = 0; c < dim; c++) {
      out[r * dim + c] =
        (((x[r * dim + c] as number) - mean) / Math.sqrt(variance + eps)) * (wt[c] as number) + (b[c] as number);
    }
  }
  return out;
}

/** In place: the pair (2j, 2j+1) of each head at position n is rotated by n·θ_j. */
function rotate(x: Float64Array, T: number, H: number, dk: number, thetas: readonly number[]): void {
  for (let n = 0; n < T; n++) {
    for (let h = 0; h < H; h++) {
      for (let j = 0; j < dk / 2; j++) {
        const i0 = n * H * dk + h * dk + 2 * j;
        const a = x[i0] as number;
        const b = x[i0 + 1] as number;
        const angle = n * (thetas[j] as number);
        x[i0] = a * Math.cos(angle) - b * Math.sin(angle);
        x[i0 + 1] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
  }
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + (b[i] as number));
}

/** erf with |error| < 1.2e-7 (Numerical Recipes' erfc approximation), enough for a 1e-4 oracle. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}
