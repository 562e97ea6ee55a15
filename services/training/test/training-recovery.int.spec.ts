// Recovery with real worker processes: a worker killed with SIGKILL is noticed when its lease expires and the job
// resumes from its last checkpoint on another worker; a service that dies mid-job has its jobs recovered by the
// next instance the same way.
import { eventually } from '@neuroforge/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRepository as JobRepositoryToken } from '../src/application/job.repository';
import { TRAINING_EVENT_STORE } from '../src/application/ports/job-store.port';
import {
  checkpointStep,
  corpusSample,
  createStack,
  type RunningTraining,
  startTraining,
  TINY_MODEL,
  type TrainingStack,
  tinyTraining,
} from './training.fixture';

let stack: TrainingStack;
let datasetId: string;
const apps: RunningTraining[] = [];

beforeAll(async () => {
  stack = await createStack();
  const first = await startTraining(stack, { workers: 2 });
  apps.push(first);
  const registered = await first.client.call('registerDataset', {
    name: 'alice',
    format: 'DATASET_FORMAT_TEXT',
    content: corpusSample(),
  });
  datasetId = registered.dataset.datasetId;
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.stop().catch(() => undefined);
  await stack?.cleanup();
}, 120_000);

async function jobEvents(app: RunningTraining, jobId: string) {
  return (await app.client.call('getJob', { jobId })).job;
}

describe('training job recovery', () => {
  it('resumes a job from its checkpoint on another worker after its worker is killed with SIGKILL', async () => {
    const app = apps[0] as RunningTraining;
    const { job } = await app.client.call('startJob', { datasetId, training: tinyTraining(400, 5), model: TINY_MODEL });
    const jobId = job.jobId;
    await eventually(
      () => checkpointStep(stack.artifactDir, jobId),
      (step) => step >= 5,
      90_000,
      20,
    );
    const running = app.pool.active().find((a) => a.jobId === jobId);
    expect(running?.pid).toBeGreaterThan(0);
    process.kill(running?.pid as number, 'SIGKILL');

    // The job stays RUNNING (under the dead worker's lease) until the lease (5 s) expires.
    const stillRunning = await jobEvents(app, jobId);
    expect(stillRunning).toMatchObject({ state: 'JOB_STATE_RUNNING', workerId: running?.workerId });
    const done = await eventually(
      () => jobEvents(app, jobId),
      (j) => j.state !== 'JOB_STATE_RUNNING' && j.state !== 'JOB_STATE_QUEUED',
      120_000,
      250,
    );
    expect(done.state).toBe('JOB_STATE_COMPLETED');
    expect(done.progress.step).toBe(400);

    const stream = await app.app.get(JobRepositoryToken).load(jobId);
    expect(stream.state.claims).toBe(2);
    expect(stream.state.retries).toBe(1);
    expect(stream.state.resumedFromStep).toBeGreaterThanOrEqual(5);
    // A fresh worker process resumed it from the checkpoint (`--resume`), not from step 0.
    const events = await app.app.get(TRAINING_EVENT_STORE).readStream(`job-${jobId}`);
    const starts = events.filter((e: { event: { type: string } }) => e.event.type === 'job_started');
    expect(starts.map((e: { event: { data: { resumedFromStep: number } } }) => e.event.data.resumedFromStep)[0]).toBe(
      0,
    );
  }, 240_000);

  it('recovers a job that was running when the service died', async () => {
    const first = apps[0] as RunningTraining;
    const { job } = await first.client.call('startJob', {
      datasetId,
      training: tinyTraining(400, 5),
      model: TINY_MODEL,
    });
    const jobId = job.jobId;
    await eventually(
      () => checkpointStep(stack.artifactDir, jobId),
      (step) => step >= 5,
      90_000,
      20,
    );
    await first.crash();
    apps.shift();

    const second = await startTraining(stack, { workers: 1 });
    apps.push(second);
    const done = await eventually(
      () => jobEvents(second, jobId),
      (j) => j.state === 'JOB_STATE_COMPLETED' || j.state === 'JOB_STATE_FAILED',
      180_000,
      250,
    );
    expect(done.state).toBe('JOB_STATE_COMPLETED');
    const stream = await second.app.get(JobRepositoryToken).load(jobId);
    expect(stream.state.claims).toBe(2);
    expect(stream.state.resumedFromStep).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
