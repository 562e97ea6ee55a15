import type { training } from '@neuroforge/contracts';
import { z } from 'zod';
import { isoTime, ModelName, ModelRef } from './common.schemas';

const Overrides = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, 'keys are snake_case config keys'),
  z.union([z.number(), z.string().max(256), z.boolean()]),
);

export const StartTrainingRequest = z
  .object({
    name: z.string().max(128).optional(),
    dataset_id: z.string().min(1).max(64),
    base_model: ModelRef.optional().meta({ description: 'Fine-tune this version (LoRA); unset trains from scratch.' }),
    training: Overrides.optional().meta({ description: 'Overrides of the `training` config section.' }),
    model: Overrides.optional().meta({ description: 'Overrides of the `model` config section (from scratch only).' }),
    register_as: ModelName.optional(),
    register_alias: z.string().max(64).optional(),
  })
  .strict();
export type StartTrainingRequest = z.infer<typeof StartTrainingRequest>;

export const TrainingJobParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/, 'must be a job id'),
});

export const StopTrainingRequest = z
  .object({ reason: z.string().max(500).optional() })
  .strict()
  .optional();

export const TrainingJobView = z.object({
  job_id: z.string(),
  name: z.string(),
  state: z.string(),
  dataset_id: z.string(),
  base_model: z.string(),
  register_as: z.string(),
  progress: z
    .object({
      step: z.number(),
      max_steps: z.number(),
      loss: z.number(),
      learning_rate: z.number(),
      tokens_per_second: z.number(),
      eta_seconds: z.number(),
    })
    .nullable(),
  error_message: z.string(),
  registered_version: z.number().int(),
  created_at: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

const snakeToCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Config-section overrides as the proto's camelCase message (unknown keys are refused by the training service). */
export function overridesToProto(overrides: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!overrides) return null;
  return Object.fromEntries(Object.entries(overrides).map(([k, v]) => [snakeToCamel(k), v]));
}

export function trainingJobView(job: training.TrainingJob | null | undefined): z.infer<typeof TrainingJobView> {
  if (!job) throw new Error('the training service answered without a job');
  const p = job.progress;
  return {
    job_id: job.jobId,
    name: job.name,
    state: String(job.state)
      .replace(/^JOB_STATE_/, '')
      .toLowerCase(),
    dataset_id: job.datasetId,
    base_model: job.baseModel,
    register_as: job.registerAs,
    progress: p
      ? {
          step: Number(p.step),
          max_steps: Number(p.maxSteps),
          loss: p.loss,
          learning_rate: p.learningRate,
          tokens_per_second: p.tokensPerSecond,
          eta_seconds: p.etaSeconds,
        }
      : null,
    error_message: job.errorMessage,
    registered_version: job.registeredVersion,
    created_at: isoTime(job.createdAt),
    started_at: isoTime(job.startedAt),
    finished_at: isoTime(job.finishedAt),
  };
}
