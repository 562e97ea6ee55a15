// A StartJob's effective settings: the configured `training` and `model` sections with the request's overrides
// applied, each override checked against the same schema leaf (@neuroforge/config) that validates the config file,
// so the ranges and their wording cannot drift. Violations name the request field (`training.learning_rate`).
import { configTree, type NeuroForgeConfig } from '@neuroforge/config';
import type { ModelSettings, TrainingSettings } from './job.types';
import type { Violations } from './training.errors';

type TrainingKey = keyof NeuroForgeConfig['training'];
type ModelKey = keyof NeuroForgeConfig['model'];

/** proto TrainingConfig field → config key. */
const TRAINING_FIELDS = {
  batchSize: 'batch_size',
  learningRate: 'learning_rate',
  weightDecay: 'weight_decay',
  warmupSteps: 'warmup_steps',
  maxSteps: 'max_steps',
  gradientAccumulationSteps: 'gradient_accumulation_steps',
  maxGradNorm: 'max_grad_norm',
  useLora: 'use_lora',
  loraRank: 'lora_rank',
  loraAlpha: 'lora_alpha',
  useFp16: 'use_fp16',
  loraDropout: 'lora_dropout',
  checkpointEverySteps: 'checkpoint_every_steps',
  evalEverySteps: 'eval_every_steps',
} as const satisfies Record<keyof TrainingSettings, TrainingKey>;

/** proto ModelConfig field → config key, for the RetNet fields the workers train. */
const MODEL_FIELDS = {
  tokenizer: 'tokenizer',
  vocabSize: 'vocab_size',
  embedDim: 'embed_dim',
  numHeads: 'num_heads',
  numLayers: 'num_layers',
  maxSeqLen: 'max_seq_len',
  dropout: 'dropout',
  valueFactor: 'value_factor',
  ffnDim: 'ffn_dim',
  chunkSize: 'chunk_size',
  layerNormEps: 'layer_norm_eps',
} as const satisfies Record<Exclude<keyof ModelSettings, 'architecture'>, ModelKey>;

/** Fields of other architectures: refused, since the workers train RetNet only. */
const OTHER_ARCHITECTURE_FIELDS = {
  numExperts: 'num_experts',
  expertsTopK: 'experts_top_k',
  moeAuxLossCoef: 'moe_aux_loss_coef',
  fusion: 'fusion',
  imageSize: 'image_size',
  patchSize: 'patch_size',
  audioSampleRate: 'audio_sample_rate',
  nFft: 'n_fft',
  hopLength: 'hop_length',
  nMels: 'n_mels',
} as const;

/** Smallest vocabulary each tokenizer needs (the byte tokenizer adds bos/eos/pad to its 256 bytes). */
const TOKENIZER_VOCAB: Readonly<Record<string, number>> = { byte: 259, gpt2: 50257 };

type Overrides = Readonly<Record<string, unknown>> | null | undefined;

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function override<T>(
  v: Violations,
  field: string,
  leaf: { schema: { safeParse(x: unknown): { success: boolean; data?: unknown } }; allowed: string },
  value: unknown,
  fallback: T,
): T {
  if (!isSet(value)) return fallback;
  const parsed = leaf.schema.safeParse(value);
  if (!parsed.success) {
    v.add(field, `${JSON.stringify(value)} is invalid: ${leaf.allowed}`);
    return fallback;
  }
  return parsed.data as T;
}

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function effectiveTraining(
  v: Violations,
  defaults: NeuroForgeConfig['training'],
  overrides: Overrides,
  fineTuning: boolean,
): TrainingSettings {
  const o = overrides ?? {};
  const out = {} as Record<keyof TrainingSettings, unknown>;
  for (const [field, key] of Object.entries(TRAINING_FIELDS) as [keyof TrainingSettings, TrainingKey][]) {
    out[field] = override(v, `training.${snake(field)}`, configTree.training[key], o[field], defaults[key]);
  }
  const settings = out as unknown as TrainingSettings;
  if (settings.warmupSteps > settings.maxSteps) {
    v.add('training.warmup_steps', `${settings.warmupSteps} must be ≤ max_steps (${settings.maxSteps})`);
  }
  if (settings.useLora && !fineTuning) v.add('training.use_lora', 'LoRA needs base_model (the version to fine-tune)');
  if (settings.useLora && settings.loraRank < 1) v.add('training.lora_rank', 'must be ≥ 1 when use_lora is true');
  return settings;
}

export function effectiveModel(
  v: Violations,
  defaults: NeuroForgeConfig['model'],
  overrides: Overrides,
): ModelSettings {
  const o = overrides ?? {};
  const architecture = o.architecture;
  const chosen =
    !isSet(architecture) || architecture === 'ARCHITECTURE_UNSPECIFIED'
      ? defaults.architecture
      : String(architecture)
          .replace(/^ARCHITECTURE_/, '')
          .toLowerCase();
  if (chosen !== 'retnet') {
    v.add('model.architecture', `${chosen} cannot be trained yet: the training workers train RetNet models only`);
  }
  for (const field of Object.keys(OTHER_ARCHITECTURE_FIELDS)) {
    if (isSet(o[field]))
      v.add(`model.${snake(field)}`, 'applies to MoE or multimodal models, which cannot be trained yet');
  }
  const out = { architecture: 'ARCHITECTURE_RETNET' } as Record<keyof ModelSettings, unknown>;
  for (const [field, key] of Object.entries(MODEL_FIELDS) as [
    Exclude<keyof ModelSettings, 'architecture'>,
    ModelKey,
  ][]) {
    out[field] = override(v, `model.${snake(field)}`, configTree.model[key], o[field], defaults[key]);
  }
  const model = out as unknown as ModelSettings;
  if (model.embedDim % model.numHeads !== 0) {
    v.add('model.num_heads', `embed_dim ${model.embedDim} is not divisible by num_heads ${model.numHeads}`);
  } else {
    const headDim = model.embedDim / model.numHeads;
    if (headDim % 2 !== 0 || headDim < 4) {
      v.add('model.num_heads', `head dimension embed_dim / num_heads = ${headDim} must be even and at least 4`);
    }
  }
  const needed = TOKENIZER_VOCAB[model.tokenizer] ?? 1;
  if (model.vocabSize < needed) {
    v.add('model.vocab_size', `${model.vocabSize} is smaller than the ${model.tokenizer} tokenizer's ${needed} ids`);
  }
  return model;
}

/** Sequence length trained on: the model's context, capped so CPU jobs stay affordable. */
export function trainingSeqLen(model: { maxSeqLen: number } | null, cap: number): number {
  return Math.max(1, Math.min(model?.maxSeqLen ?? cap, cap));
}
