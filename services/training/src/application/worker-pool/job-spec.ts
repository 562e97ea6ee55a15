// The worker's job spec (docs/training/worker.md, "Job spec") for one job: the effective settings mapped to the
// worker's keys.
import type { JobQueued } from '../../domain/job.events';
import { trainingSeqLen } from '../../domain/job-settings';
import type { PoolSettings } from './pool-settings';

export interface DatasetFile {
  readonly path: string;
  readonly format: 'DATASET_FORMAT_TEXT' | 'DATASET_FORMAT_JSONL';
}

export function workerJobSpec(
  job: JobQueued['data'],
  dataset: DatasetFile,
  settings: Pick<PoolSettings, 'seqLenCap' | 'device' | 'seed' | 'torchThreads'>,
  initFrom: { path: string; maxSeqLen: number } | null,
): Record<string, unknown> {
  const t = job.training;
  const m = job.model;
  return {
    job_id: job.jobId,
    dataset: { path: dataset.path, format: dataset.format === 'DATASET_FORMAT_JSONL' ? 'jsonl' : 'text' },
    ...(m
      ? {
          model: {
            architecture: 'retnet',
            tokenizer: m.tokenizer,
            vocab_size: m.vocabSize,
            embed_dim: m.embedDim,
            num_heads: m.numHeads,
            num_layers: m.numLayers,
            max_seq_len: m.maxSeqLen,
            ffn_dim: m.ffnDim,
            dropout: m.dropout,
            value_factor: m.valueFactor,
            layer_norm_eps: m.layerNormEps,
          },
        }
      : {}),
    ...(initFrom ? { init_from: initFrom.path } : {}),
    batch_size: t.batchSize,
    learning_rate: t.learningRate,
    weight_decay: t.weightDecay,
    warmup_steps: t.warmupSteps,
    max_steps: t.maxSteps,
    gradient_accumulation_steps: t.gradientAccumulationSteps,
    max_grad_norm: t.maxGradNorm,
    use_lora: t.useLora,
    lora_rank: Math.max(1, t.loraRank),
    lora_alpha: t.loraAlpha,
    lora_dropout: t.loraDropout,
    use_fp16: t.useFp16,
    seq_len: trainingSeqLen(m ?? (initFrom ? { maxSeqLen: initFrom.maxSeqLen } : null), settings.seqLenCap),
    seed: settings.seed,
    checkpoint_every: t.checkpointEverySteps,
    eval_every: t.evalEverySteps,
    log_every: 1,
    device: settings.device,
    ...(settings.torchThreads > 0 ? { num_threads: settings.torchThreads } : {}),
  };
}
