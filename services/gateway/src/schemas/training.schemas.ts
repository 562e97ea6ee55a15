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

/** One progress report of a job (the worker's, throttled by the training service to about one a second). */
export const TrainingProgress = z.object({
  step: z.number().int().meta({ description: 'Optimiser steps done.' }),
  max_steps: z.number().int().meta({ description: 'Optimiser steps planned.' }),
  loss: z.number().meta({ description: 'Training loss at this step.' }),
  learning_rate: z.number(),
  tokens_per_second: z.number(),
  eta_seconds: z.number().meta({ description: 'Estimated seconds until the last step.' }),
  reported_at: z.string().nullable().meta({ description: 'When the worker made the report (RFC 3339).' }),
  eval_loss: z
    .number()
    .nullable()
    .meta({ description: 'Latest held-out loss (every eval_every_steps steps); null before the first evaluation.' }),
  eval_step: z.number().int().meta({ description: 'Optimiser step of eval_loss; 0 before the first evaluation.' }),
});
export type TrainingProgress = z.infer<typeof TrainingProgress>;

/** One held-out evaluation of a job, as the SSE `evaluation` event and the WebSocket `training_evaluation` say. */
export const TrainingEvaluationEvent = z.object({
  job_id: z.string(),
  step: z.number().int().meta({ description: 'Optimiser steps done when the evaluation ran.' }),
  eval_loss: z.number().meta({ description: 'Mean next-token cross-entropy on the held-out split.' }),
});
export type TrainingEvaluationEvent = z.infer<typeof TrainingEvaluationEvent>;

/** Lifecycle states as the API names them. */
export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'stopped'] as const;
export type JobStateName = (typeof JOB_STATES)[number] | 'unspecified';
const TERMINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

export function isTerminal(state: string): boolean {
  return TERMINAL_STATES.has(state);
}

/** `JOB_STATE_RUNNING` → `running`. */
export function jobStateName(state: unknown): JobStateName {
  return String(state)
    .replace(/^JOB_STATE_/, '')
    .toLowerCase() as JobStateName;
}

export const TrainingJobView = z.object({
  job_id: z.string(),
  name: z.string(),
  state: z.string().meta({ description: 'queued, running, completed, failed or stopped' }),
  dataset_id: z.string(),
  base_model: z.string(),
  register_as: z.string(),
  progress: TrainingProgress.nullable(),
  error_message: z.string(),
  registered_version: z.number().int(),
  created_at: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type TrainingJobView = z.infer<typeof TrainingJobView>;

/** A progress event of a watched job (SSE `progress`, WebSocket `training_progress`). */
export const TrainingProgressEvent = TrainingProgress.extend({ job_id: z.string(), state: z.string() });
export type TrainingProgressEvent = z.infer<typeof TrainingProgressEvent>;

export const DATASET_FORMATS = ['text', 'jsonl'] as const;

/**
 * The largest dataset the gateway forwards inline: the training service takes RegisterDataset in one gRPC message
 * (4 MiB by default), so the content stays a margin below that. Larger corpora are registered on the training
 * service from a file it can read.
 */
export const MAX_DATASET_BYTES = 4 * 1024 * 1024 - 64 * 1024;

export const RegisterDatasetRequest = z
  .object({
    name: z.string().min(1).max(128),
    format: z.enum(DATASET_FORMATS).meta({
      description:
        '`text`: UTF-8, documents separated by blank lines; `jsonl`: one JSON object with a `text` per line.',
    }),
    content: z
      .string()
      .min(1)
      .max(MAX_DATASET_BYTES)
      .refine((c) => Buffer.byteLength(c, 'utf8') <= MAX_DATASET_BYTES, {
        message: `must be at most ${MAX_DATASET_BYTES} bytes of UTF-8`,
      })
      .meta({ description: `The records, at most ${MAX_DATASET_BYTES} bytes of UTF-8.` }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
      .optional()
      .meta({ description: 'Expected SHA-256 of the content; the training service refuses a mismatch.' }),
  })
  .strict();
export type RegisterDatasetRequest = z.infer<typeof RegisterDatasetRequest>;

export const DatasetView = z.object({
  dataset_id: z.string(),
  name: z.string(),
  format: z.string(),
  sha256: z.string(),
  size_bytes: z.number().int(),
  created_at: z.string().nullable(),
});
export type DatasetView = z.infer<typeof DatasetView>;

export const DATASET_FORMAT_TO_PROTO: Readonly<Record<(typeof DATASET_FORMATS)[number], training.DatasetFormat>> = {
  text: 'DATASET_FORMAT_TEXT' as training.DatasetFormat,
  jsonl: 'DATASET_FORMAT_JSONL' as training.DatasetFormat,
};

export function datasetView(dataset: training.Dataset | null | undefined): DatasetView {
  if (!dataset) throw new Error('the training service answered without a dataset');
  return {
    dataset_id: dataset.datasetId,
    name: dataset.name,
    format: String(dataset.format)
      .replace(/^DATASET_FORMAT_/, '')
      .toLowerCase(),
    sha256: dataset.sha256,
    size_bytes: Number(dataset.sizeBytes),
    created_at: isoTime(dataset.createdAt),
  };
}

const snakeToCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Config-section overrides as the proto's camelCase message (unknown keys are refused by the training service). */
export function overridesToProto(overrides: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!overrides) return null;
  return Object.fromEntries(Object.entries(overrides).map(([k, v]) => [snakeToCamel(k), v]));
}

/** A progress report as the proto (gRPC, camelCase) or the event payload on Kafka carries it. */
export interface ProgressLike {
  step: number | string;
  maxSteps: number | string;
  loss: number;
  learningRate: number;
  tokensPerSecond: number;
  etaSeconds: number;
  /** proto Timestamp over gRPC, RFC 3339 string in events. */
  reportedAt?: { seconds: string; nanos: number } | string | null;
  /** Over gRPC (GetJob, WatchJob); progress events on Kafka leave them out (evaluations are their own event). */
  evalLoss?: number | null;
  evalStep?: number | string;
}

export function progressView(p: ProgressLike): TrainingProgress {
  return {
    step: Number(p.step),
    max_steps: Number(p.maxSteps),
    loss: p.loss,
    learning_rate: p.learningRate,
    tokens_per_second: p.tokensPerSecond,
    eta_seconds: p.etaSeconds,
    reported_at: typeof p.reportedAt === 'string' ? p.reportedAt : isoTime(p.reportedAt),
    eval_loss: p.evalLoss ?? null,
    eval_step: Number(p.evalStep ?? 0),
  };
}

export function trainingJobView(job: training.TrainingJob | null | undefined): TrainingJobView {
  if (!job) throw new Error('the training service answered without a job');
  return {
    job_id: job.jobId,
    name: job.name,
    state: jobStateName(job.state),
    dataset_id: job.datasetId,
    base_model: job.baseModel,
    register_as: job.registerAs,
    progress: job.progress ? progressView(job.progress as unknown as ProgressLike) : null,
    error_message: job.errorMessage,
    registered_version: job.registeredVersion,
    created_at: isoTime(job.createdAt),
    started_at: isoTime(job.startedAt),
    finished_at: isoTime(job.finishedAt),
  };
}
