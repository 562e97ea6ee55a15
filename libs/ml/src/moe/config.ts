// MoE keys of a RetNet config.json (ADR 0002). They are optional and have no zod defaults on purpose: a dense
// model's parsed config (and the config.json the engine writes back) stays exactly what it was before MoE existed.
import { z } from 'zod';

/** Keys merged into the RetNet config schema. `ffn` absent means dense. */
export const moeConfigFields = {
  /** Which FFN every block uses: the dense FFN of ADR 0001 or a Mixture-of-Experts FFN (ADR 0002). */
  ffn: z.enum(['dense', 'moe']).optional(),
  /** Experts per MoE layer (E). */
  num_experts: z.number().int().positive().optional(),
  /** Experts each token is routed to (k, 1 ≤ k ≤ E). */
  top_k: z.number().int().positive().optional(),
  /** Hidden width of each expert's FFN (default: ffn_dim). */
  expert_ffn_dim: z.number().int().positive().optional(),
  /** Weight of the Switch load-balancing loss in training (default 0.01); the engine ignores it. */
  moe_aux_loss_coef: z.number().min(0).optional(),
};

/** The resolved MoE settings of a model whose `ffn` is `moe`. */
export interface MoeSettings {
  numExperts: number;
  topK: number;
  expertFfnDim: number;
  auxLossCoef: number;
}

interface MoeConfigLike {
  ffn?: 'dense' | 'moe' | undefined;
  num_experts?: number | undefined;
  top_k?: number | undefined;
  expert_ffn_dim?: number | undefined;
  moe_aux_loss_coef?: number | undefined;
  ffn_dim: number;
}

export const DEFAULT_MOE_AUX_LOSS_COEF = 0.01;

/** The MoE settings, or undefined for a dense model. Call on a validated config. */
export function moeSettings(c: MoeConfigLike): MoeSettings | undefined {
  if (c.ffn !== 'moe') return undefined;
  return {
    numExperts: c.num_experts as number,
    topK: c.top_k as number,
    expertFfnDim: c.expert_ffn_dim ?? c.ffn_dim,
    auxLossCoef: c.moe_aux_loss_coef ?? DEFAULT_MOE_AUX_LOSS_COEF,
  };
}

/** Cross-key checks for the RetNet schema's superRefine: what an MoE config needs, each issue naming its key. */
export function checkMoeConfig(c: MoeConfigLike, ctx: z.RefinementCtx): void {
  if (c.ffn !== 'moe') return;
  if (c.num_experts === undefined) {
    ctx.addIssue({ code: 'custom', path: ['num_experts'], message: 'ffn "moe" needs num_experts (an integer ≥ 1)' });
  }
  if (c.top_k === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['top_k'],
      message: 'ffn "moe" needs top_k (an integer, 1 ≤ top_k ≤ num_experts)',
    });
  } else if (c.num_experts !== undefined && c.top_k > c.num_experts) {
    ctx.addIssue({
      code: 'custom',
      path: ['top_k'],
      message: `top_k ${c.top_k} exceeds num_experts ${c.num_experts}; each token picks top_k distinct experts`,
    });
  }
}
