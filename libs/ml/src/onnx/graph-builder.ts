// A small typed layer over the ONNX protobuf schema (onnx-proto): declare inputs/outputs with symbolic dims, add
// nodes, attach weights as initializers, serialize. Every model in the engine is built with it, so it stays tiny
// and predictable: names are unique by construction and every node returns its output names.
import { onnx } from 'onnx-proto';

/** Element types the engine uses in its graphs. */
export type DType = 'float32' | 'int64' | 'bool';

/** A dimension: a fixed size, or a symbolic name (`'batch'`, `'seq'`) that ORT resolves per run. */
export type Dim = number | string;

/** Attribute values; integer numbers become INT, others FLOAT. Use {@link floatAttr} for an integral float. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

/** Marks a number as a FLOAT attribute even when it is integral (e.g. `alpha = 1`). */
export const floatAttr = (value: number): { float: number } => ({ float: value });

/** The default opset: recent enough for LayerNormalization, old enough that Reduce* still take `axes` attributes. */
export const DEFAULT_OPSET = 17;
// IR version 8 is the one that pairs with opset 17 (and the newest this onnx-proto schema knows).
const IR_VERSION = 8;

const ELEM_TYPE: Record<DType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export interface NodeOptions {
  /** Number of outputs the node produces (default 1). */
  outputs?: number;
  /** Explicit output names (else generated from the op type). */
  outputNames?: string[];
  /** Operator domain, e.g. 'com.microsoft' (default: the ONNX domain). */
  domain?: string;
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly constCache = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly opset: number = DEFAULT_OPSET,
  ) {}

  /** A name not used yet in this graph, derived from `prefix`. */
  uniqueName(prefix: string): string {
    let n = this.counters.get(prefix) ?? 0;
    let candidate = n === 0 ? prefix : `${prefix}_${n}`;
    while (this.used.has(candidate)) {
      n += 1;
      candidate = `${prefix}_${n}`;
    }
    this.counters.set(prefix, n + 1);
    this.used.add(candidate);
    return candidate;
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph '${this.name}': the name '${name}' is already used`);
    this.used.add(name);
    return name;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dtype, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (an Identity is inserted when the names differ). */
  output(value: string, name: string, dtype: DType, dims: readonly Dim[]): string {
    if (value !== name) this.node('Identity', [value], {}, { outputNames: [name] });
    this.outputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** Attaches a float32 weight (stored as raw little-endian bytes, no copy until serialization). */
  initializer(name: string, dims: readonly number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`ONNX initializer '${name}': ${data.length} values for dims [${dims.join(', ')}] (${expected})`);
    }
    this.pushFloat(this.claim(name), dims, data);
    return name;
  }

  private pushFloat(name: string, dims: readonly number[], data: Float32Array): void {
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: ELEM_TYPE.float32,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  }

  /** An int64 constant (deduplicated: the same values give the same initializer). */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = this.uniqueName('const_i64');
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: ELEM_TYPE.int64,
      rawData: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer),
    });
    this.constCache.set(key, name);
    return name;
  }

  /** A small float32 constant (deduplicated). */
  constFloat(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = this.uniqueName('const_f32');
    this.pushFloat(name, dims, Float32Array.from(values));
    this.constCache.set(key, name);
    return name;
  }

  /** Adds a node and returns its output names. `''` in `inputs` marks an omitted optional input. */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): string[] {
    const count = opts.outputNames?.length ?? opts.outputs ?? 1;
    const outs = opts.outputNames
      ? opts.outputNames.map((n) => this.claim(n))
      : Array.from({ length: count }, () => this.uniqueName(op.toLowerCase()));
    this.nodes.push({
      opType: op,
      domain: opts.domain ?? '',
      name: this.uniqueName(`n_${op}`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Adds a single-output node and returns that output's name. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, attrs)[0] as string;
  }

  /** The ModelProto as bytes, ready for `InferenceSession.create`. */
  serialize(): Uint8Array {
    const domains = new Set(this.nodes.map((n) => n.domain ?? ''));
    domains.delete('');
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'neuroforge-ml',
      opsetImport: [{ domain: '', version: this.opset }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dtype: DType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[dtype],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) return { name, type: T.FLOATS, floats: value };
    return { name, type: T.INTS, ints: value };
  }
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}
