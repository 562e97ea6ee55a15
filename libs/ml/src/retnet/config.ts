// RetNet config.json (ADR 0001): snake_case on disk, validated with zod so a bad file fails naming the key.
import { z } from 'zod';
import { checkMoeConfig, moeConfigFields } from '../moe/config';

export const retNetConfigSchema = z
  .object({
    architecture: z.literal('retnet').default('retnet'),
    vocab_size: z.number().int().positive(),
    embed_dim: z.number().int().positive(),
    num_heads: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    max_seq_len: z.number().int().positive(),
    dropout: z.number().min(0).max(1).default(0),
    value_factor: z.number().int().positive().default(2),
    ffn_dim: z.number().int().positive(),
    layer_norm_eps: z.number().positive().default(1e-5),
    group_norm_eps: z.number().positive().default(1e-5),
    rope_base: z.number().positive().default(10000),
    tokenizer: z.enum(['byte', 'gpt2']),
    // The block's FFN: dense (absent) or Mixture-of-Experts (ADR 0002).
    ...moeConfigFields,
  })
  .superRefine((c, ctx) => {
    checkMoeConfig(c, ctx);
    if (c.embed_dim % c.num_heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['embed_dim'],
        message: `embed_dim ${c.embed_dim} must be divisible by num_heads ${c.num_heads}`,
      });
      return;
    }
    const dk = c.embed_dim / c.num_heads;
    // θ_j = base^(−j/(d_k/2 − 1)) needs d_k/2 ≥ 2, and the rotation pairs channels, so d_k is even and ≥ 4.
    if (dk % 2 !== 0 || dk < 4) {
      ctx.addIssue({
        code: 'custom',
        path: ['embed_dim'],
        message: `head dim embed_dim/num_heads = ${dk} must be even and at least 4`,
      });
    }
  });

export type RetNetConfig = z.output<typeof retNetConfigSchema>;
export type RetNetConfigInput = z.input<typeof retNetConfigSchema>;

/** Validates a parsed config.json; the error names each bad key and what is allowed. */
export function parseRetNetConfig(raw: unknown): RetNetConfig {
  const result = retNetConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid RetNet config.json: ${issues}`);
  }
  return result.data;
}

/** Derived head dimensions. */
export interface RetNetDims {
  d: number;
  H: number;
  dk: number;
  dv: number;
  /** H · d_v, the value width. */
  Dv: number;
  L: number;
  V: number;
  ffn: number;
}

export function retNetDims(c: RetNetConfig): RetNetDims {
  const dk = c.embed_dim / c.num_heads;
  const dv = (c.value_factor * c.embed_dim) / c.num_heads;
  return {
    d: c.embed_dim,
    H: c.num_heads,
    dk,
    dv,
    Dv: c.num_heads * dv,
    L: c.num_layers,
    V: c.vocab_size,
    ffn: c.ffn_dim,
  };
}
