import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyRetNetModel } from '@neuroforge/ml/testing';
import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';
import { afterAll } from 'vitest';

// Inference is ready only once a model is loaded: give it a tiny seeded-random RetNet as a local folder, so the
// process is ready on its own, without a model registry.
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeServiceLifecycle('inference', {
  dependencies: ['kafka', 'redis', 'model'],
  grpcServices: ['neuroforge.inference.v1.InferenceService'],
  env: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nf-inference-lifecycle-'));
    dirs.push(dir);
    await writeTinyRetNetModel(dir, 7, { vocab_size: 272, max_seq_len: 256 }, { randomAffine: false });
    return {
      NF_INFERENCE_MODEL_DIRS: `tiny:1=${dir},tiny@latest=1`,
      NEUROFORGE_INFERENCE__DEFAULT_MODEL: 'tiny',
      NEUROFORGE_SYSTEM__DEVICE: 'cpu',
      NEUROFORGE_SYSTEM__INTRA_OP_THREADS: '1',
    };
  },
});
