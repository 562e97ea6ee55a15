// Multimodal config.json (ADR 0003): a RetNet text decoder, optional vision and audio encoders, one fusion strategy.
// snake_case on disk, validated with zod so a bad file fails naming the key.
import { z } from 'zod';
import { retNetConfigSchema } from '../retnet/config';

export const FUSION_STRATEGIES = ['concat', 'cross_attention', 'gated', 'hierarchical'] as const;
export type FusionStrategy = (typeof FUSION_STRATEGIES)[number];
export const MODALITIES = ['vision', 'audio'] as const;
export type Modality = (typeof MODALITIES)[number];

const divisible = (dim: number, heads: number) => dim % heads === 0;

export const visionConfigSchema = z
  .object({
    image_size: z.number().int().positive(),
    patch_size: z.number().int().positive(),
    embed_dim: z.number().int().positive(),
    num_heads: z.number().int().positive(),
    num_layers: z.number().int().nonnegative(),
    mlp_dim: z.number().int().positive(),
    /** Per-channel RGB normalisation applied to pixel/255. */
    mean: z.array(z.number()).length(3).default([0.5, 0.5, 0.5]),
    std: z.array(z.number().positive()).length(3).default([0.5, 0.5, 0.5]),
    layer_norm_eps: z.number().positive().default(1e-5),
  })
  .refine((c) => c.image_size % c.patch_size === 0, { message: 'image_size must be a multiple of patch_size' })
  .refine((c) => divisible(c.embed_dim, c.num_heads), { message: 'embed_dim must be divisible by num_heads' });

export const audioConfigSchema = z
  .object({
    sample_rate: z.number().int().positive().default(16000),
    /** Every clip is zero-padded to this many samples; longer clips are refused. */
    clip_samples: z.number().int().positive(),
    n_fft: z.number().int().positive(),
    hop_length: z.number().int().positive(),
    n_mels: z.number().int().positive(),
    f_min: z.number().nonnegative().default(0),
    /** Upper edge of the mel filterbank in Hz (default: the Nyquist frequency). */
    f_max: z.number().positive().optional(),
    /** log(mel + mel_floor): keeps silent bands finite. */
    mel_floor: z.number().positive().default(1e-5),
    embed_dim: z.number().int().positive(),
    num_heads: z.number().int().positive(),
    num_layers: z.number().int().nonnegative(),
    mlp_dim: z.number().int().positive(),
    layer_norm_eps: z.number().positive().default(1e-5),
  })
  .refine((c) => c.clip_samples >= c.n_fft, { message: 'clip_samples must be at least n_fft' })
  .refine((c) => divisible(c.embed_dim, c.num_heads), { message: 'embed_dim must be divisible by num_heads' })
  .refine((c) => (c.f_max ?? c.sample_rate / 2) <= c.sample_rate / 2 && (c.f_max ?? c.sample_rate / 2) > c.f_min, {
    message: 'f_max must be above f_min and at most sample_rate / 2',
  });

export const multimodalConfigSchema = z
  .object({
    architecture: z.literal('multimodal'),
    fusion: z.enum(FUSION_STRATEGIES),
    /** Heads of the fusion cross-attentions (default: the text model's num_heads). */
    fusion_heads: z.number().int().positive().optional(),
    text: retNetConfigSchema,
    vision: visionConfigSchema.optional(),
    audio: audioConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.vision && !c.audio) {
      ctx.addIssue({ code: 'custom', path: ['vision'], message: 'a multimodal model needs vision, audio or both' });
    }
    const heads = c.fusion_heads ?? c.text.num_heads;
    if (c.text.embed_dim % heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['fusion_heads'],
        message: `text.embed_dim ${c.text.embed_dim} must be divisible by fusion_heads ${heads}`,
      });
    }
  });

export type VisionConfig = z.output<typeof visionConfigSchema>;
export type AudioConfig = z.output<typeof audioConfigSchema>;
export type MultimodalConfig = z.output<typeof multimodalConfigSchema>;
export type MultimodalConfigInput = z.input<typeof multimodalConfigSchema>;

/** Validates a parsed config.json; the error names each bad key and what is allowed. */
export function parseMultimodalConfig(raw: unknown): MultimodalConfig {
  const result = multimodalConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid multimodal config.json: ${issues}`);
  }
  return result.data;
}

/** Modalities this config has encoders for, in the fixed order vision, audio. */
export const configuredModalities = (c: MultimodalConfig): Modality[] => MODALITIES.filter((m) => c[m] !== undefined);

/** Vision tokens per image: (image_size / patch_size)². */
export const visionTokenCount = (c: VisionConfig): number => (c.image_size / c.patch_size) ** 2;

/** Audio tokens per clip: STFT frames without padding, floor((clip − n_fft) / hop) + 1. */
export const audioTokenCount = (c: AudioConfig): number => Math.floor((c.clip_samples - c.n_fft) / c.hop_length) + 1;

export const audioFMax = (c: AudioConfig): number => c.f_max ?? c.sample_rate / 2;

/** Token count and width of a modality's encoder output. */
export function modalityShape(c: MultimodalConfig, m: Modality): { tokens: number; dim: number } {
  if (m === 'vision') {
    const v = c.vision as VisionConfig;
    return { tokens: visionTokenCount(v), dim: v.embed_dim };
  }
  const a = c.audio as AudioConfig;
  return { tokens: audioTokenCount(a), dim: a.embed_dim };
}

export const fusionHeads = (c: MultimodalConfig): number => c.fusion_heads ?? c.text.num_heads;
