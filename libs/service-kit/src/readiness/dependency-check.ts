/** One dependency a service needs before it can do useful work (Kafka, MongoDB, Redis, PostgreSQL). */
export interface DependencyCheck {
  /** Short stable name, used in /health/ready answers and as a metric label: `kafka`, `mongo`, `redis`, `postgres`. */
  readonly name: string;
  /** Resolves once the dependency answered; rejects with the reason it did not. Must recover on its own. */
  check(): Promise<void>;
  /** Releases the check's connections (called once, at shutdown). */
  close(): Promise<void>;
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Settles with `promise`, or rejects with a TimeoutError after `ms`; the timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A readable reason from anything thrown (kafkajs and the mongo driver nest the useful part in `cause`). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) {
    const cause =
      error.cause instanceof Error && error.cause.message !== error.message ? `: ${error.cause.message}` : '';
    return `${error.message || error.name}${cause}`;
  }
  return String(error);
}
