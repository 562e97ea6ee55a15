import type { JobStateName, TrainingJobView, TrainingProgress } from '../../schemas/training.schemas';

/**
 * What the gateway learns about a watched job: a progress report or a state change from
 * `neuroforge.training.events`, or the whole job from a reconciling GetJob. Updates may repeat or arrive late
 * (at-least-once delivery, reconciliation racing the events); watchers keep only what moves a job forward.
 */
export type TrainingUpdate =
  | { kind: 'progress'; jobId: string; state: JobStateName; progress: TrainingProgress }
  | { kind: 'evaluation'; jobId: string; step: number; evalLoss: number }
  | { kind: 'state'; jobId: string; state: JobStateName }
  | { kind: 'snapshot'; jobId: string; job: TrainingJobView };
