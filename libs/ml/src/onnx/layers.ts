// Reusable subgraphs (norms, activations, linear layers) shared by the RetNet and Transformer graph builders.
import type { GraphBuilder } from './graph-builder';

/** LayerNorm over the last axis with affine weight/bias (ONNX LayerNormalization, opset 17, has a CPU kernel). */
export function layerNorm(g: GraphBuilder, x: string, weight: string, bias: string, eps: number): string {
  return g.op('LayerNormalization', [x, weight, bias], { axis: -1, epsilon: { float: eps } });
}

/**
 * Normalises the last axis to zero mean and unit (biased) variance, without affine: the per-group core of
 * GroupNorm. ORT has no CPU GroupNormalization kernel, so it is spelled out in basic ops (two-pass variance,
 * which is what PyTorch's GroupNorm computes).
 */
export function normalizeLastAxis(g: GraphBuilder, x: string, eps: number): string {
  const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const centered = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], { axes: [-1], keepdims: 1 });
  const std = g.op('Sqrt', [g.op('Add', [variance, g.constFloat([eps], [])])]);
  return g.op('Div', [centered, std]);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), in the pattern ORT's optimizer fuses into one Gelu kernel. */
export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.constFloat([Math.SQRT2], [])])]);
  const onePlus = g.op('Add', [erf, g.constFloat([1], [])]);
  return g.op('Mul', [g.op('Mul', [x, onePlus]), g.constFloat([0.5], [])]);
}

/** swish(x) = x · sigmoid(x). */
export function swish(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** x @ W (+ b), with W already in [in, out] layout. */
export function linear(g: GraphBuilder, x: string, weightInOut: string, bias?: string): string {
  const y = g.op('MatMul', [x, weightInOut]);
  return bias ? g.op('Add', [y, bias]) : y;
}

/** Transposes an nn.Linear weight [out, in] to the [in, out] layout MatMul wants. */
export function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[base + c] as number;
  }
  return out;
}
