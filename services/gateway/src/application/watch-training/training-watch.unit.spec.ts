import type { Logger } from '@neuroforge/service-kit';
import { describe, expect, it } from 'vitest';
import type { TrainingJobView, TrainingProgress } from '../../schemas/training.schemas';
import type { TrainingJobReader } from './training-job-reader.port';
import { TrainingProgressHub } from './training-progress.hub';
import { TrainingWatcher, type WatchEvent } from './training-watch';

const quiet = { debug() {}, warn() {}, error() {}, info() {} } as unknown as Logger;

function progress(step: number): TrainingProgress {
  return {
    step,
    max_steps: 10,
    loss: 5 - step / 10,
    learning_rate: 0.01,
    tokens_per_second: 100,
    eta_seconds: 10 - step,
    reported_at: '2026-01-01T00:00:00.000Z',
    eval_loss: null,
    eval_step: 0,
  };
}

function job(state: string, step?: number): TrainingJobView {
  return {
    job_id: 'j1',
    name: '',
    state,
    dataset_id: 'd1',
    base_model: '',
    register_as: '',
    progress: step === undefined ? null : progress(step),
    error_message: '',
    registered_version: 0,
    created_at: null,
    started_at: null,
    finished_at: state === 'completed' ? '2026-01-01T00:00:10.000Z' : null,
  };
}

/** A reader that answers with whatever `current` is when asked. */
function readerOf(initial: TrainingJobView): TrainingJobReader & { current: TrainingJobView; reads: number } {
  return {
    current: initial,
    reads: 0,
    async get() {
      this.reads++;
      return this.current;
    },
  };
}

function setup(initial: TrainingJobView, reconcileMs = 60_000) {
  const reader = readerOf(initial);
  const hub = new TrainingProgressHub(reader, quiet, reconcileMs);
  return { reader, hub, watcher: new TrainingWatcher(hub, reader) };
}

async function collect(iterable: AsyncIterable<WatchEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of iterable) {
    if (event.type === 'progress') seen.push(`progress:${event.progress.step}`);
    else if (event.type === 'evaluation') seen.push(`evaluation:${event.evaluation.step}`);
    else seen.push(`${event.type}:${event.job.state}`);
  }
  return seen;
}

describe('TrainingWatch', () => {
  it('yields the state, each new step once, then the final progress and done when the job ends', async () => {
    const { reader, hub, watcher } = setup(job('running', 1));
    const watch = await watcher.open('j1');
    const events = collect(watch);
    hub.publish({ kind: 'progress', jobId: 'j1', state: 'running', progress: progress(2) });
    hub.publish({ kind: 'progress', jobId: 'j1', state: 'running', progress: progress(2) }); // redelivered
    hub.publish({ kind: 'progress', jobId: 'j2', state: 'running', progress: progress(9) }); // another job
    hub.publish({ kind: 'progress', jobId: 'j1', state: 'running', progress: progress(1) }); // stale
    reader.current = job('completed', 10);
    hub.publish({ kind: 'state', jobId: 'j1', state: 'completed' });
    expect(await events).toEqual(['state:running', 'progress:2', 'progress:10', 'done:completed']);
    expect(hub.watchedJobs).toBe(0);
  });

  it('yields each later evaluation once and shows the latest on every progress after it', async () => {
    const { reader, hub, watcher } = setup(job('running', 1));
    const watch = await watcher.open('j1');
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const event of watch) seen.push(event);
    })();
    hub.publish({ kind: 'progress', jobId: 'j1', state: 'running', progress: progress(4) });
    hub.publish({ kind: 'evaluation', jobId: 'j1', step: 4, evalLoss: 2.5 });
    hub.publish({ kind: 'evaluation', jobId: 'j1', step: 4, evalLoss: 2.5 }); // redelivered
    hub.publish({ kind: 'evaluation', jobId: 'j2', step: 8, evalLoss: 1 }); // another job
    hub.publish({ kind: 'progress', jobId: 'j1', state: 'running', progress: progress(5) });
    reader.current = job('completed', 10);
    hub.publish({ kind: 'state', jobId: 'j1', state: 'completed' });
    await done;
    const types = seen.map((e) =>
      e.type === 'progress' ? `progress:${e.progress.step}` : e.type === 'evaluation' ? 'evaluation' : e.type,
    );
    expect(types).toEqual(['state', 'progress:4', 'evaluation', 'progress:5', 'progress:10', 'done']);
    expect(seen[2]).toEqual({ type: 'evaluation', evaluation: { job_id: 'j1', step: 4, eval_loss: 2.5 } });
    const progressAt = (step: number) =>
      seen.find((e) => e.type === 'progress' && e.progress.step === step) as Extract<WatchEvent, { type: 'progress' }>;
    expect(progressAt(4).progress).toMatchObject({ eval_loss: null, eval_step: 0 });
    expect(progressAt(5).progress).toMatchObject({ eval_loss: 2.5, eval_step: 4 });
    expect(progressAt(10).progress).toMatchObject({ eval_loss: 2.5, eval_step: 4 });
  });

  it('answers a job that already ended with its state and done at once', async () => {
    const { watcher } = setup(job('stopped', 4));
    expect(await collect(await watcher.open('j1'))).toEqual(['state:stopped', 'done:stopped']);
  });

  it('keeps an update published between subscribing and the first read', async () => {
    const { reader, hub, watcher } = setup(job('queued'));
    const get = reader.get.bind(reader);
    reader.get = async () => {
      const first = await get('j1');
      // The job starts and reports while the first read is in flight.
      hub.publish({ kind: 'progress', jobId: 'j1', state: 'running', progress: progress(3) });
      return first;
    };
    const watch = await watcher.open('j1');
    const iterator = watch[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'state', job: { state: 'queued' } });
    expect((await iterator.next()).value).toMatchObject({ type: 'progress', progress: { step: 3, job_id: 'j1' } });
    watch.cancel();
    expect((await iterator.next()).done).toBe(true);
  });

  it('reports moving between queued and running as a state event', async () => {
    const { reader, hub, watcher } = setup(job('queued'));
    const watch = await watcher.open('j1');
    const events = collect(watch);
    reader.current = job('running');
    hub.publish({ kind: 'state', jobId: 'j1', state: 'running' });
    hub.publish({ kind: 'state', jobId: 'j1', state: 'running' });
    await new Promise((r) => setTimeout(r, 5)); // the watcher reads the job on each change
    reader.current = job('failed', 2);
    hub.publish({ kind: 'state', jobId: 'j1', state: 'failed' });
    expect(await events).toEqual(['state:queued', 'state:running', 'progress:2', 'done:failed']);
  });

  it('ends the watch from a reconciling read when the events were missed', async () => {
    const { reader, hub, watcher } = setup(job('running', 1), 20);
    const watch = await watcher.open('j1');
    reader.current = job('completed', 10);
    expect(await collect(watch)).toEqual(['state:running', 'progress:10', 'done:completed']);
    expect(hub.watchedJobs).toBe(0);
  });

  it('survives a failed read after a state event: the reconciling read ends the watch instead', async () => {
    const { reader, hub, watcher } = setup(job('running', 1), 20);
    const watch = await watcher.open('j1');
    const get = reader.get.bind(reader);
    let failures = 1;
    reader.get = async (id) => {
      if (failures-- > 0) throw new Error('TRAINING.UNAVAILABLE');
      return get(id);
    };
    reader.current = job('completed', 10);
    hub.publish({ kind: 'state', jobId: 'j1', state: 'completed' });
    expect(await collect(watch)).toEqual(['state:running', 'progress:10', 'done:completed']);
  });

  it('stops delivering and unsubscribes when cancelled', async () => {
    const { hub, watcher } = setup(job('running', 1));
    const watch = await watcher.open('j1');
    const other = await watcher.open('j1');
    expect(hub.watchedJobs).toBe(1);
    const events = collect(watch);
    await new Promise((r) => setTimeout(r, 5));
    watch.cancel();
    expect(await events).toEqual(['state:running']);
    expect(hub.watchedJobs).toBe(1); // the other watcher still follows the job
    other.cancel();
    expect(hub.watchedJobs).toBe(0);
  });

  it('unsubscribes when the first read fails', async () => {
    const { reader, hub, watcher } = setup(job('running'));
    reader.get = async () => {
      throw new Error('TRAINING.JOB_NOT_FOUND');
    };
    await expect(watcher.open('j1')).rejects.toThrow('TRAINING.JOB_NOT_FOUND');
    expect(hub.watchedJobs).toBe(0);
  });
});
