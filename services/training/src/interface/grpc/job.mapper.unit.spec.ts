import { describe, expect, it } from 'vitest';
import type { ProgressRecord } from '../../domain/job.types';
import { progressMessage } from './job.mapper';

const progress: ProgressRecord = {
  jobId: 'j-1',
  state: 'JOB_STATE_RUNNING',
  step: 5,
  maxSteps: 10,
  loss: 2,
  learningRate: 0.01,
  tokensPerSecond: 100,
  etaSeconds: 1,
  reportedAt: '2026-01-01T00:00:00.500Z',
};

describe('progress message', () => {
  it('carries the latest held-out evaluation with the progress report', () => {
    const message = progressMessage(progress, { step: 4, evalLoss: 2.25, evalSequences: 16 });
    expect(message).toMatchObject({ step: 5, loss: 2, evalLoss: 2.25, evalStep: 4 });
    expect(message.reportedAt).toEqual({ seconds: '1767225600', nanos: 500_000_000 });
  });

  it('leaves eval_loss unset before the first evaluation', () => {
    const message = progressMessage(progress, null);
    expect(message.evalLoss).toBeNull();
    expect(message.evalStep).toBe(0);
  });
});
