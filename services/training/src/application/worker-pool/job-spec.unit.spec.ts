import { describe, expect, it } from 'vitest';
import type { JobQueued } from '../../domain/job.events';
import { workerJobSpec } from './job-spec';

const job: JobQueued['data'] = {
  jobId: 'j-1',
  name: 'tiny',
  datasetId: 'd-1',
  baseModel: 'base:1',
  training: {
    batchSize: 2,
    learningRate: 0.01,
    weightDecay: 0,
    warmupSteps: 1,
    maxSteps: 10,
    gradientAccumulationSteps: 1,
    maxGradNorm: 1,
    useLora: true,
    loraRank: 4,
    loraAlpha: 8,
    useFp16: false,
    loraDropout: 0.1,
    checkpointEverySteps: 5,
    evalEverySteps: 3,
  },
  model: null,
  registerAs: '',
  registerAlias: '',
  requestedByUserId: 'u-1',
};
const settings = { seqLenCap: 64, device: 'cpu', seed: 7, torchThreads: 1 } as const;

describe('worker job spec', () => {
  it('hands the worker the LoRA dropout and the evaluation cadence', () => {
    const spec = workerJobSpec(job, { path: '/d.txt', format: 'DATASET_FORMAT_TEXT' }, settings, {
      path: '/base',
      maxSeqLen: 32,
    });
    expect(spec).toMatchObject({ lora_dropout: 0.1, eval_every: 3, checkpoint_every: 5, init_from: '/base' });
    expect(spec.dataset).toEqual({ path: '/d.txt', format: 'text' });
  });
});
