import { Inject, Injectable } from '@nestjs/common';
import {
  isTerminal,
  type TrainingEvaluationEvent,
  type TrainingJobView,
  type TrainingProgress,
  type TrainingProgressEvent,
} from '../../schemas/training.schemas';
import { TRAINING_JOB_READER, type TrainingJobReader } from './training-job-reader.port';
import { TrainingProgressHub } from './training-progress.hub';
import type { TrainingUpdate } from './training-update';

/** What a watcher of a job receives: its state first, progress as it comes, its final state last. */
export type WatchEvent =
  | { type: 'state'; job: TrainingJobView }
  | { type: 'progress'; progress: TrainingProgressEvent }
  | { type: 'evaluation'; evaluation: TrainingEvaluationEvent }
  | { type: 'done'; job: TrainingJobView };

/**
 * One client following one job. Iterating yields `state` (the job as it is now), then `progress` for each report
 * with a higher step than any before, `evaluation` for each held-out evaluation of a later step than any before, `state` again when the job moves between queued and running, and a last
 * `done` with the job in its terminal state, after which the iteration ends. `cancel()` ends it early and stops the
 * deliveries.
 */
export class TrainingWatch implements AsyncIterable<WatchEvent> {
  private readonly pending: TrainingUpdate[] = [];
  private wake: (() => void) | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private first: TrainingJobView | undefined;

  constructor(
    readonly jobId: string,
    hub: TrainingProgressHub,
    private readonly reader: TrainingJobReader,
    private readonly metadata: Record<string, string>,
  ) {
    // Subscribed before the first read, so nothing published between that read and the first event is lost.
    this.unsubscribe = hub.subscribe(jobId, (update) => {
      this.pending.push(update);
      this.wake?.();
    });
  }

  /** Reads the job; a job that does not exist or a training service that is down fails here. */
  async begin(): Promise<void> {
    try {
      this.first = await this.reader.get(this.jobId, this.metadata);
    } catch (error) {
      this.cancel();
      throw error;
    }
  }

  get cancelled(): boolean {
    return this.stopped;
  }

  cancel(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    const first = this.first;
    if (!first) throw new Error('TrainingWatch iterated before begin()');
    try {
      let state = first.state;
      let lastStep = first.progress?.step ?? -1;
      let evaluation = { eval_loss: first.progress?.eval_loss ?? null, eval_step: first.progress?.eval_step ?? 0 };
      const progressEvent = (progress: TrainingProgress, at: string): WatchEvent => {
        lastStep = progress.step;
        // Progress events on Kafka carry no evaluation (it is an event of its own): every progress this watch
        // yields shows the latest evaluation it knows of, whichever source brought it.
        if (progress.eval_step > evaluation.eval_step) {
          evaluation = { eval_loss: progress.eval_loss, eval_step: progress.eval_step };
        }
        return { type: 'progress', progress: { job_id: this.jobId, state: at, ...progress, ...evaluation } };
      };
      yield { type: 'state', job: first };
      if (isTerminal(state)) {
        yield { type: 'done', job: first };
        return;
      }
      for (;;) {
        const update = await this.next();
        if (!update) return;
        if (update.kind === 'progress') {
          if (update.progress.step > lastStep) yield progressEvent(update.progress, update.state);
          continue;
        }
        if (update.kind === 'evaluation') {
          if (update.step > evaluation.eval_step) {
            evaluation = { eval_loss: update.evalLoss, eval_step: update.step };
            yield {
              type: 'evaluation',
              evaluation: { job_id: this.jobId, step: update.step, eval_loss: update.evalLoss },
            };
          }
          continue;
        }
        if (update.kind === 'state' && update.state === state) continue;
        // A state change: the event says what changed, the job (timestamps, error, final progress) comes from
        // the training service, which has it by the time the event is published. If that read fails, the hub's
        // next reconciling read brings the change instead: a blip of the training service does not end the watch.
        const job = update.kind === 'snapshot' ? update.job : await this.read();
        if (this.stopped) return;
        if (!job) continue;
        if (job.progress && job.progress.step > lastStep) yield progressEvent(job.progress, job.state);
        if (isTerminal(job.state)) {
          yield { type: 'done', job };
          return;
        }
        if (job.state !== state) {
          state = job.state;
          yield { type: 'state', job };
        }
      }
    } finally {
      this.cancel();
    }
  }

  private async read(): Promise<TrainingJobView | undefined> {
    try {
      return await this.reader.get(this.jobId, this.metadata);
    } catch {
      return undefined;
    }
  }

  private async next(): Promise<TrainingUpdate | undefined> {
    while (!this.stopped) {
      const update = this.pending.shift();
      if (update) return update;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    return undefined;
  }
}

/** Opens watches of training jobs for the SSE route and the WebSocket. */
@Injectable()
export class TrainingWatcher {
  constructor(
    @Inject(TrainingProgressHub) private readonly hub: TrainingProgressHub,
    @Inject(TRAINING_JOB_READER) private readonly reader: TrainingJobReader,
  ) {}

  /** Resolves once the job was read (so an unknown job or a down service is still a plain error). */
  async open(jobId: string, metadata: Record<string, string> = {}): Promise<TrainingWatch> {
    const watch = new TrainingWatch(jobId, this.hub, this.reader, metadata);
    await watch.begin();
    return watch;
  }
}
