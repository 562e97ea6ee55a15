import { describeError, withTimeout } from '../readiness/dependency-check';

/** One step of the shutdown sequence; steps run in order, each bounded, and a failing step does not stop the rest. */
export interface ShutdownStep {
  name: string;
  timeoutMs: number;
  run(): Promise<unknown>;
}

export interface ShutdownOutcome {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** Runs `steps` one after another; every step gets its chance even if an earlier one failed or hung. */
export async function runShutdown(
  steps: readonly ShutdownStep[],
  onStep: (outcome: ShutdownOutcome) => void = () => undefined,
): Promise<ShutdownOutcome[]> {
  const outcomes: ShutdownOutcome[] = [];
  for (const step of steps) {
    const started = performance.now();
    let outcome: ShutdownOutcome;
    try {
      await withTimeout(Promise.resolve().then(step.run), step.timeoutMs, `shutdown step ${step.name}`);
      outcome = { name: step.name, ok: true, ms: Math.round(performance.now() - started) };
    } catch (error) {
      outcome = {
        name: step.name,
        ok: false,
        ms: Math.round(performance.now() - started),
        error: describeError(error),
      };
    }
    outcomes.push(outcome);
    onStep(outcome);
  }
  return outcomes;
}

/**
 * Calls `shutdown` once on the first SIGTERM/SIGINT. A second signal while shutting down exits at once with
 * status 1 (an impatient Ctrl-C), and `hardDeadlineMs` bounds the whole sequence.
 */
export function onShutdownSignal(
  shutdown: (signal: NodeJS.Signals) => Promise<void>,
  opts: { hardDeadlineMs: number; signals?: NodeJS.Signals[]; exit?: (code: number) => void },
): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let started = false;
  for (const signal of opts.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (started) return exit(1);
      started = true;
      setTimeout(() => exit(1), opts.hardDeadlineMs).unref();
      shutdown(signal).then(
        () => exit(0),
        () => exit(1),
      );
    });
  }
}
