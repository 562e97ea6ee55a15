// In-process notifications: a job's stream changed (wakes WatchJob streams and StopJob waits at once instead of
// at their next poll) and work was queued (wakes the worker pool).
import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

@Injectable()
export class JobSignals {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  changed(jobId: string): void {
    this.emitter.emit(`job:${jobId}`);
  }

  queued(): void {
    this.emitter.emit('queued');
  }

  /** Resolves on the next change of the job, or after `ms`. */
  nextChange(jobId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(`job:${jobId}`, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.on(`job:${jobId}`, done);
    });
  }

  onChange(jobId: string, listener: () => void): () => void {
    this.emitter.on(`job:${jobId}`, listener);
    return () => this.emitter.off(`job:${jobId}`, listener);
  }

  onQueued(listener: () => void): () => void {
    this.emitter.on('queued', listener);
    return () => this.emitter.off('queued', listener);
  }
}
