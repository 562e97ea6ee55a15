// The benchmark's Transformer baseline: a decode step appends one position to every layer's KV cache.
import { describe, expect, it } from 'vitest';
import { EngineSession, float32, type HostTensor, int64 } from '../runtime/session';
import {
  buildTransformerDecoder,
  kvCacheBytes,
  pastKeyName,
  pastValueName,
  presentKeyName,
  type TransformerConfig,
} from './decoder';

const config: TransformerConfig = {
  vocab_size: 50,
  embed_dim: 16,
  num_heads: 2,
  num_layers: 2,
  ffn_dim: 32,
  max_seq_len: 64,
  layer_norm_eps: 1e-5,
  rope_base: 10000,
};

describe('Transformer decoder (benchmark baseline)', () => {
  it('grows the KV cache by one position per step and returns [batch, vocab] logits', async () => {
    const session = await EngineSession.create(buildTransformerDecoder(config, 1), { device: 'cpu', log: () => {} });
    let past: Record<string, HostTensor> = {};
    for (let i = 0; i < 2; i++) {
      past[pastKeyName(i)] = float32(new Float32Array(0), [2, 2, 0, 8]);
      past[pastValueName(i)] = float32(new Float32Array(0), [2, 2, 0, 8]);
    }
    for (let step = 0; step < 3; step++) {
      const out = await session.run({ tokens: int64([3, 4], [2]), positions: int64([step, step], [2]), ...past });
      expect(out.logits?.dims).toEqual([2, 50]);
      expect(out[presentKeyName(1)]?.dims).toEqual([2, 2, step + 1, 8]);
      past = {};
      for (let i = 0; i < 2; i++) {
        past[pastKeyName(i)] = out[`present_key_${i}`] as HostTensor;
        past[pastValueName(i)] = out[`present_value_${i}`] as HostTensor;
      }
    }
    await session.dispose();
  });

  it('counts KV-cache bytes as layers · 2 · context · d · 4', () => {
    expect(kvCacheBytes(config, 10)).toBe(2 * 2 * 10 * 16 * 4);
  });
});
