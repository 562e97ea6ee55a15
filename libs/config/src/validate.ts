import { z } from 'zod';
import { isLeaf, type Tree } from './fields';
import { configTree, type NeuroForgeConfig } from './schema';

// A cross-field rule violation, reported against one key.
export interface CrossIssue {
  readonly path: readonly string[];
  readonly allowed: string;
  /** Other keys the rule involves (dotted), so errors can say where those were set too. */
  readonly related: readonly string[];
}

function zodOf(tree: Tree): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, node] of Object.entries(tree)) shape[key] = isLeaf(node) ? node.schema : zodOf(node);
  return z.strictObject(shape);
}

/** Rules that involve more than one key; each names the key a user should change. */
export function crossChecks(c: NeuroForgeConfig): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const fail = (path: string, allowed: string, ...related: string[]) =>
    issues.push({ path: path.split('.'), allowed, related });
  const m = c.model;
  if (m.embed_dim % m.num_heads !== 0) {
    fail('model.embed_dim', `must be divisible by model.num_heads (${m.num_heads})`, 'model.num_heads');
  } else if ((m.embed_dim / m.num_heads) % 2 !== 0) {
    fail(
      'model.embed_dim',
      `must give an even head dimension embed_dim / num_heads (here ${m.embed_dim / m.num_heads}); xPos rotates pairs of dimensions`,
      'model.num_heads',
    );
  }
  if (m.tokenizer === 'byte' && m.vocab_size < 256)
    fail('model.vocab_size', 'must be ≥ 256 with the byte tokenizer', 'model.tokenizer');
  if (m.tokenizer === 'gpt2' && m.vocab_size < 50257)
    fail('model.vocab_size', 'must be ≥ 50257 with the gpt2 tokenizer', 'model.tokenizer');
  if (m.experts_top_k > m.num_experts)
    fail('model.experts_top_k', `must be ≤ model.num_experts (${m.num_experts})`, 'model.num_experts');
  if (m.image_size % m.patch_size !== 0)
    fail('model.image_size', `must be divisible by model.patch_size (${m.patch_size})`, 'model.patch_size');
  if (m.hop_length > m.n_fft) fail('model.hop_length', `must be ≤ model.n_fft (${m.n_fft})`, 'model.n_fft');

  const t = c.training;
  if (t.use_lora && t.lora_rank < 1)
    fail('training.lora_rank', 'must be ≥ 1 when training.use_lora is true', 'training.use_lora');
  if (t.warmup_steps > t.max_steps)
    fail('training.warmup_steps', `must be ≤ training.max_steps (${t.max_steps})`, 'training.max_steps');
  if (t.heartbeat_seconds >= t.lease_seconds) {
    fail(
      'training.heartbeat_seconds',
      `must be < training.lease_seconds (${t.lease_seconds})`,
      'training.lease_seconds',
    );
  }

  if (c.inference.max_new_tokens > m.max_seq_len) {
    fail('inference.max_new_tokens', `must be ≤ model.max_seq_len (${m.max_seq_len})`, 'model.max_seq_len');
  }

  if (c.system.environment === 'production' && c.auth.signing_key_secret === '')
    fail('auth.signing_key_secret', 'must be set when system.environment is production', 'system.environment');

  // Two services on one port would fail at bind time with a less helpful error; 0 means "none" or "any free port".
  const owners = new Map<number, string>();
  for (const [name, s] of Object.entries(c.services)) {
    const ports: [string, number][] = [
      ['grpc_port', s.grpc_port],
      ['http_port', s.http_port],
    ];
    // A service may serve health/metrics on its HTTP port: that is one listener, not a clash.
    if (s.metrics_port !== s.http_port) ports.push(['metrics_port', s.metrics_port]);
    for (const [field, port] of ports) {
      if (port === 0) continue;
      const key = `services.${name}.${field}`;
      const owner = owners.get(port);
      if (owner) fail(key, `must not reuse port ${port}, already taken by ${owner}`, owner);
      else owners.set(port, key);
    }
  }
  return issues;
}

/** The zod schema of the whole configuration: strict (unknown keys fail), with the cross-field rules attached. */
export const configSchema: z.ZodType<NeuroForgeConfig> = (zodOf(configTree) as z.ZodType<NeuroForgeConfig>).superRefine(
  (value, ctx) => {
    for (const issue of crossChecks(value))
      ctx.addIssue({
        code: 'custom',
        path: [...issue.path],
        message: issue.allowed,
        params: { related: issue.related },
      });
  },
);
