// How the worker pool runs: from `training.*` and `system.*` config, overridable in tests.
export const POOL_SETTINGS = Symbol('POOL_SETTINGS');

export interface PoolSettings {
  /** Identifies this service instance; worker ids are `<holderId>/w<n>`. */
  readonly holderId: string;
  /** Worker slots (training.workers); 0 runs no jobs here. */
  readonly workers: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  /** Retries after a lost worker (training.max_attempts). */
  readonly maxRetries: number;
  /** Queue scan interval (StartJob also wakes the pool at once). */
  readonly pollMs: number;
  /** At most one progress event per job per this interval (the last one is always kept). */
  readonly progressIntervalMs: number;
  /** Longest sequence trained on (the model's max_seq_len, capped to this). */
  readonly seqLenCap: number;
  readonly device: 'auto' | 'cpu' | 'cuda';
  readonly seed: number;
  /** torch threads per worker; 0 leaves torch's default. */
  readonly torchThreads: number;
}
