// Starts one training worker process for a job (the Python worker locally) and reports its protocol events.
export const WORKER_LAUNCHER = Symbol('WORKER_LAUNCHER');

/** One stdout JSON line of the worker protocol (docs/training/worker.md). */
export type WorkerEvent = { readonly event: string } & Readonly<Record<string, unknown>>;

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Last lines of stderr, for failure messages. */
  readonly stderrTail: string;
}

export interface WorkerHandle {
  readonly pid: number;
  /** Asks the worker to stop at the next step (SIGTERM: checkpoint, `stopped`, exit 75). */
  stop(): void;
  /** Ends it at once (SIGKILL). */
  kill(): void;
  readonly exited: Promise<WorkerExit>;
}

export interface WorkerLaunch {
  readonly jobSpecPath: string;
  readonly outDir: string;
  readonly onEvent: (event: WorkerEvent) => void;
}

export interface WorkerLauncher {
  launch(launch: WorkerLaunch): Promise<WorkerHandle>;
}
