// The training service over gRPC against the real stack and the real model registry (a process): a job trains
// with the real Python worker, streams its progress and held-out evaluations, registers a version with lineage
// and moves an alias; bad
// input is refused before anything is queued; StopJob stops a running worker with its checkpoint kept.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { errorCodeOf as code, connectMongo, decodeErrorDetail, ERROR_DETAIL_KEY } from '@neuroforge/service-kit';
import {
  dropMongoDatabase,
  ensureBuilt,
  eventually,
  GrpcTestClient,
  ServiceProcess,
} from '@neuroforge/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corpusSample,
  createStack,
  type RunningTraining,
  startTraining,
  TINY_MODEL,
  type TrainingStack,
  tinyTraining,
  uniqueName,
} from './training.fixture';

let stack: TrainingStack;
let training: RunningTraining;
let registry: ServiceProcess;
let registryClient: GrpcTestClient;
let registryDb: string;
let datasetId: string;

beforeAll(async () => {
  stack = await createStack();
  ensureBuilt('model-registry');
  registryDb = uniqueName('nf_test_training_registry');
  registry = await ServiceProcess.start('model-registry', {
    NEUROFORGE_STACK__MONGO_URL: `mongodb://127.0.0.1:27017/${registryDb}`,
    NEUROFORGE_SYSTEM__ARTIFACT_DIR: join(stack.artifactDir, 'registry'),
    NEUROFORGE_SYSTEM__SEED_DEFAULT_MODEL: 'false',
    NEUROFORGE_STACK__TRACING_ENABLED: 'false',
  });
  await registry.waitForReady(200, 150_000);
  registryClient = new GrpcTestClient('models', registry.grpcAddress);
  training = await startTraining(stack, { registryAddress: registry.grpcAddress });
  const registered = await training.client.call('registerDataset', {
    name: 'alice',
    format: 'DATASET_FORMAT_TEXT',
    content: corpusSample(),
  });
  datasetId = registered.dataset.datasetId;
}, 300_000);

afterAll(async () => {
  await training?.stop();
  registryClient?.close();
  await registry?.stop();
  if (registryDb) await dropMongoDatabase(`mongodb://127.0.0.1:27017/${registryDb}`);
  await stack?.cleanup();
}, 120_000);

function fields(error: { metadata: { get(key: string): unknown[] } }): string[] {
  return decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer).fieldViolations.map((v) => v.field);
}

describe('training jobs over gRPC', () => {
  it('trains to completion, streams progress and evaluations then the final state, and registers a version', async () => {
    const modelName = uniqueName('tiny').replace('_', '-');
    const started = await training.client.call('startJob', {
      name: 'tiny',
      datasetId,
      training: { ...tinyTraining(40, 20), evalEverySteps: 10 },
      model: TINY_MODEL,
      registerAs: modelName,
      registerAlias: 'candidate',
    });
    const jobId = started.job.jobId;
    expect(started.job.state).toBe('JOB_STATE_QUEUED');

    const messages = await training.client.watch(jobId);
    const states = messages.map((m) => m.progress.state);
    expect(states.at(-1)).toBe('JOB_STATE_COMPLETED');
    expect(states.slice(0, -1).every((s) => s !== 'JOB_STATE_COMPLETED')).toBe(true);
    const last = messages.at(-1).progress;
    expect(last).toMatchObject({ jobId, step: 40, maxSteps: 40 });
    expect(last.loss).toBeGreaterThan(0);
    const steps = messages.map((m) => m.progress.step);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    // The held-out loss of the evaluation at step 40 (every 10 steps) rides on the final report.
    expect(last.evalStep).toBe(40);
    expect(last.evalLoss).toBeGreaterThan(0);
    const evalSteps = messages.map((m) => m.progress.evalStep);
    expect([...evalSteps].sort((a, b) => a - b)).toEqual(evalSteps);

    const job = await eventually(
      async () => (await training.client.call('getJob', { jobId })).job,
      (j) => j.registeredVersion > 0 || j.errorMessage !== '',
      60_000,
    );
    expect(job.errorMessage).toBe('');
    expect(job).toMatchObject({ state: 'JOB_STATE_COMPLETED', registeredVersion: 1 });
    expect(job.progress).toMatchObject({ evalStep: 40, evalLoss: last.evalLoss });

    const version = (await registryClient.call('getVersion', { modelName, version: 1 })).version;
    expect(version.lineage).toMatchObject({ source: 'LINEAGE_SOURCE_TRAINING_JOB', trainingJobId: jobId });
    expect(version.lineage.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(version.lineage.finalLoss).toBeCloseTo(last.loss, 5);
    expect(version.artifacts.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors']),
    );
    expect(JSON.parse(version.configJson)).toMatchObject({ embed_dim: 16, num_layers: 1, tokenizer: 'byte' });
    const aliased = await registryClient.call('resolveAlias', { modelName, alias: 'candidate' });
    expect(aliased.version.version).toBe(1);

    // Progress was throttled through the outbox: fewer events than steps, all published.
    const connection = await connectMongo({
      mongo_url: `mongodb://127.0.0.1:27017/${stack.dbName}`,
      mongo_pool_size: 2,
    });
    const events = connection.collection('training_events');
    try {
      // In stream order: FerretDB returns documents in storage order, which updates (marking published) reshuffle.
      const commits = await events
        .find({ streamId: `job-${jobId}` })
        .sort({ version: 1 })
        .toArray();
      const recorded = commits.flatMap((c) => c.events as { type: string; data: string }[]);
      const types = recorded.map((e) => e.type);
      // Every evaluation is recorded (never thinned out like progress), in step order.
      const evaluated = recorded.filter((e) => e.type === 'job_evaluated').map((e) => JSON.parse(e.data));
      expect(evaluated.map((e) => e.step)).toEqual([10, 20, 30, 40]);
      expect(evaluated.at(-1).evalLoss).toBeCloseTo(last.evalLoss, 9);
      expect(types.slice(0, 2)).toEqual(['job_queued', 'job_started']);
      expect(types).toContain('job_completed');
      expect(types.at(-1)).toBe('job_result_registered');
      const progressEvents = types.filter((t) => t === 'job_progress').length;
      expect(progressEvents).toBeGreaterThan(0);
      expect(progressEvents).toBeLessThan(40);
      await eventually(
        async () => (await events.find({ streamId: `job-${jobId}` }).toArray()).every((c) => c.published === true),
        (all) => all,
        15_000,
      );
    } finally {
      await connection.close();
    }
  }, 150_000);

  it('refuses bad input before queueing, naming the field', async () => {
    const empty = await training.client.failure('registerDataset', {
      name: 'empty',
      format: 'DATASET_FORMAT_TEXT',
      content: Buffer.alloc(0),
    });
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(fields(empty)).toEqual(['content']);

    const badJsonl = await training.client.failure('registerDataset', {
      name: 'jsonl',
      format: 'DATASET_FORMAT_JSONL',
      content: Buffer.from('{"text":"ok"}\n{"txt":1}\n'),
    });
    expect(badJsonl.details).toMatch(/line 2/);

    const unknownDataset = await training.client.failure('startJob', {
      datasetId: 'no-such-dataset',
      model: TINY_MODEL,
    });
    expect(unknownDataset.code).toBe(status.NOT_FOUND);
    expect(code(unknownDataset)).toBe('TRAINING.DATASET_NOT_FOUND');
    expect(fields(unknownDataset)).toEqual(['dataset_id']);

    const unknownBase = await training.client.failure('startJob', {
      datasetId,
      baseModel: 'no-such-model:3',
      training: { useLora: true },
    });
    expect(unknownBase.code).toBe(status.NOT_FOUND);
    expect(code(unknownBase)).toBe('TRAINING.BASE_MODEL_NOT_FOUND');
    expect(fields(unknownBase)).toEqual(['base_model']);

    const outOfRange = await training.client.failure('startJob', {
      datasetId,
      training: { learningRate: 5, batchSize: 0 },
      model: TINY_MODEL,
    });
    expect(outOfRange.code).toBe(status.INVALID_ARGUMENT);
    expect(fields(outOfRange)).toEqual(['training.batch_size', 'training.learning_rate']);
    expect(outOfRange.details).toMatch(/learning_rate: 5 is invalid: must be > 0 and ≤ 1/);

    const listed = await training.client.call('listJobs', { pageSize: 100 });
    expect(listed.jobs.every((j: { datasetId: string }) => j.datasetId === datasetId)).toBe(true);
    expect(listed.jobs.length).toBe(1); // only the first test's job was ever queued
  });

  it('stops a running job within a step and keeps its checkpoint', async () => {
    const started = await training.client.call('startJob', {
      datasetId,
      training: tinyTraining(100_000, 100_000),
      model: TINY_MODEL,
    });
    const jobId = started.job.jobId;
    await eventually(
      async () => (await training.client.call('getJob', { jobId })).job,
      (j) => j.state === 'JOB_STATE_RUNNING' && (j.progress?.step ?? 0) > 0,
      60_000,
    );
    const stopped = await training.client.call('stopJob', { jobId, reason: 'test stop' });
    expect(stopped.job.state).toBe('JOB_STATE_STOPPED');
    expect(stopped.job.workerId).toBe('');
    const checkpoints = join(stack.artifactDir, 'training/jobs', jobId, 'out/checkpoints');
    expect(existsSync(checkpoints)).toBe(true);
    const steps = readdirSync(checkpoints).filter((n) => n.startsWith('step-'));
    expect(steps.length).toBe(1);
    expect(Number(steps[0]?.slice(5))).toBeGreaterThan(0);
    // The run frees its slot just after confirming the stop (it still releases the job's lease), so StopJob's
    // answer can arrive a moment before the slot is free.
    const active = await eventually(
      async () => training.pool.active(),
      (a) => a.length === 0,
      5_000,
    );
    expect(active).toEqual([]);
  }, 90_000);
});
