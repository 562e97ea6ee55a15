// The RetNet encoder graph: the parallel form's layers with a pooling head instead of the language-model head.
// Inputs are right-padded token rows and a mask; RetNet is causal, so the hidden state at a real token never sees
// the padding after it, and a masked mean over the real tokens gives the same vector as running the row alone.
import type { GraphBuilder } from '../onnx/graph-builder';
import { buildRetNetGraph, type PreparedRetNet } from '../retnet/graph';

/** Graph input/output names of the encoder. */
export const ENCODER_IO = {
  tokens: 'tokens', // [batch, seq] int64, right-padded with any valid id
  mask: 'attention_mask', // [batch, seq] float32: 1 for a real token, 0 for padding
  pooled: 'pooled', // [batch, d] masked mean of the final-normed hidden states
  embedding: 'embedding', // [batch, d] pooled scaled to unit L2 norm
} as const;

// Keeps an all-zero vector (impossible after LayerNorm, but cheap to guard) from dividing by zero.
const NORM_FLOOR = 1e-12;

/** Serialized ONNX bytes of the encoder for prepared RetNet weights. */
export function buildRetNetEncoderGraph(prepared: PreparedRetNet): Uint8Array {
  const d = prepared.dims.d;
  return buildRetNetGraph(prepared, 'parallel', {
    head: (g: GraphBuilder, hidden: string) => {
      // The builder declared `tokens`; the mask is this head's own input.
      const mask = g.input(ENCODER_IO.mask, 'float32', ['batch', 'seq']); // [B, S]
      const axis1 = g.constInt64([1]);
      const maskCol = g.op('Unsqueeze', [mask, g.constInt64([2])]); // [B, S, 1]
      const summed = g.op('ReduceSum', [g.op('Mul', [hidden, maskCol]), axis1], { keepdims: 0 }); // [B, d]
      const count = g.op('ReduceSum', [mask, axis1], { keepdims: 1 }); // [B, 1]
      const pooled = g.op('Div', [summed, g.op('Max', [count, g.constFloat([1], [])])]); // [B, d]
      const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [pooled, pooled]), axis1], { keepdims: 1 })]); // [B, 1]
      const unit = g.op('Div', [pooled, g.op('Max', [norm, g.constFloat([NORM_FLOOR], [])])]); // [B, d]
      g.output(pooled, ENCODER_IO.pooled, 'float32', ['batch', d]);
      g.output(unit, ENCODER_IO.embedding, 'float32', ['batch', d]);
    },
  });
}
