import { type DependencyCheck, describeError, withTimeout } from './dependency-check';

export interface DependencyStatus {
  name: string;
  ok: boolean;
  latency_ms: number;
  error?: string;
}

export type ReadinessState = 'ready' | 'not_ready' | 'shutting_down';

export interface ReadinessReport {
  service: string;
  status: ReadinessState;
  ready: boolean;
  dependencies: DependencyStatus[];
}

/** Runs every check in parallel, each bounded by `timeoutMs`, and says which failed and why. */
export async function checkDependencies(
  checks: readonly DependencyCheck[],
  timeoutMs: number,
  now: () => number = () => performance.now(),
): Promise<DependencyStatus[]> {
  return Promise.all(
    checks.map(async (dependency) => {
      const started = now();
      try {
        await withTimeout(dependency.check(), timeoutMs, dependency.name);
        return { name: dependency.name, ok: true, latency_ms: Math.round(now() - started) };
      } catch (error) {
        return {
          name: dependency.name,
          ok: false,
          latency_ms: Math.round(now() - started),
          error: describeError(error),
        };
      }
    }),
  );
}

/** Ready means: not shutting down and every dependency answered. */
export function aggregateReadiness(
  service: string,
  dependencies: DependencyStatus[],
  shuttingDown: boolean,
): ReadinessReport {
  const allOk = dependencies.every((d) => d.ok);
  const status: ReadinessState = shuttingDown ? 'shutting_down' : allOk ? 'ready' : 'not_ready';
  return { service, status, ready: status === 'ready', dependencies };
}

export interface ReadinessOptions {
  /** Per-check bound; /health/ready answers within about this long even while a dependency hangs. */
  timeoutMs?: number;
  /** How often the background monitor re-checks (it drives gRPC health and the dependency gauge). */
  intervalMs?: number;
}

type Listener = (report: ReadinessReport) => void;

/**
 * The service's readiness: live checks for /health/ready (concurrent callers share one run) and a background
 * monitor that tells listeners (gRPC health, metrics) whenever readiness changes.
 */
export class Readiness {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  private shuttingDown = false;
  private inFlight: Promise<ReadinessReport> | undefined;
  private last: ReadinessReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Listener[] = [];
  private readonly allChecks: DependencyCheck[];

  constructor(
    readonly service: string,
    checks: readonly DependencyCheck[],
    options: ReadinessOptions = {},
  ) {
    this.allChecks = [...checks];
    this.timeoutMs = options.timeoutMs ?? 1500;
    this.intervalMs = options.intervalMs ?? 2000;
  }

  /** The dependency checks, in report order. */
  get checks(): readonly DependencyCheck[] {
    return this.allChecks;
  }

  /**
   * Adds a check the service owns (e.g. inference's "a model is loaded"), reported and monitored like the
   * dependencies named at start-up. Modules call it from onModuleInit; a name may be added once.
   */
  addCheck(check: DependencyCheck): void {
    if (this.allChecks.some((c) => c.name === check.name)) throw new Error(`readiness check '${check.name}' exists`);
    this.allChecks.push(check);
  }

  /** Checks every dependency now (or joins the run already under way). */
  evaluate(): Promise<ReadinessReport> {
    this.inFlight ??= checkDependencies(this.checks, this.timeoutMs)
      .then((dependencies) => this.publish(aggregateReadiness(this.service, dependencies, this.shuttingDown)))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** The last report, without checking again (undefined before the first evaluation). */
  get current(): ReadinessReport | undefined {
    return this.last;
  }

  /**
   * Calls `listener` on every change from now on, and at once with the current report when there is one: a
   * report published before the listener joined (e.g. a module evaluating during start-up) is not missed.
   */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
    if (this.last) listener(this.last);
  }

  startMonitor(): void {
    if (this.timer) return;
    const tick = () => {
      void this.evaluate().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stopMonitor(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** From now on the service reports not ready, so balancers and clients stop sending it work. */
  markShuttingDown(): void {
    this.shuttingDown = true;
    this.stopMonitor();
    this.publish(aggregateReadiness(this.service, this.last?.dependencies ?? [], true));
  }

  async close(): Promise<void> {
    this.stopMonitor();
    await Promise.allSettled(this.checks.map((c) => c.close()));
  }

  private publish(report: ReadinessReport): ReadinessReport {
    const changed = this.last === undefined || !sameReadiness(this.last, report);
    this.last = report;
    if (changed) for (const listener of this.listeners) listener(report);
    return report;
  }
}

function sameReadiness(a: ReadinessReport, b: ReadinessReport): boolean {
  return (
    a.status === b.status &&
    a.dependencies.length === b.dependencies.length &&
    a.dependencies.every((d, i) => d.name === b.dependencies[i]?.name && d.ok === b.dependencies[i]?.ok)
  );
}
