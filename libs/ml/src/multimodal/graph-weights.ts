// Attaches named checkpoint tensors to a graph once each: as stored, or transposed to the [in, out] layout MatMul
// wants (nn.Linear stores [out, in]). Repeated requests return the same initializer.
import type { GraphBuilder } from '../onnx/graph-builder';
import { transpose2d } from '../onnx/layers';
import type { WeightMap, WeightTensor } from '../weights/tensor';

export class GraphWeights {
  private readonly added = new Map<string, string>();

  constructor(
    readonly g: GraphBuilder,
    private readonly weights: WeightMap,
  ) {}

  /** The tensor as stored. */
  raw(name: string): string {
    const cached = this.added.get(name);
    if (cached) return cached;
    const t = this.get(name);
    const id = this.g.initializer(name, t.shape, t.data);
    this.added.set(name, id);
    return id;
  }

  /** A linear weight [out, in] as [in, out]. */
  transposed(name: string): string {
    const key = `${name}_t`;
    const cached = this.added.get(key);
    if (cached) return cached;
    const t = this.get(name);
    const [rows, cols] = t.shape as [number, number];
    const id = this.g.initializer(key, [cols, rows], transpose2d(t.data, rows, cols));
    this.added.set(key, id);
    return id;
  }

  /** x @ Wᵀ + b for the nn.Linear `name` (weight and bias). */
  linear(x: string, name: string): string {
    return this.g.op('Add', [this.g.op('MatMul', [x, this.transposed(`${name}.weight`)]), this.raw(`${name}.bias`)]);
  }

  /** LayerNorm over the last axis with the affine `name` (weight and bias). */
  layerNorm(x: string, name: string, eps: number): string {
    return this.g.op('LayerNormalization', [x, this.raw(`${name}.weight`), this.raw(`${name}.bias`)], {
      axis: -1,
      epsilon: { float: eps },
    });
  }

  private get(name: string): WeightTensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`missing weight tensor '${name}'`);
    return t;
  }
}
