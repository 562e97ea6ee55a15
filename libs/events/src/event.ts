// Domain-side types of the kit: events, deciders and domain errors. Nothing here does I/O.
import type { SnapshotPolicy } from './snapshot';

/**
 * A domain event: a plain typed record. Each aggregate declares one discriminated union of these, e.g.
 * `type ModelEvent = Event<'model_registered', {...}> | Event<'version_added', {...}>`.
 * `type` is snake_case: it becomes the CloudEvents type `neuroforge.<context>.<type>.v1`.
 * `data` must be JSON (no Dates, no undefined, no NaN): it is stored and published as JSON text.
 */
export type Event<Type extends string = string, Data extends object = object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/** A command: a plain typed record carrying everything the decision needs, including time and new ids. */
export type Command<Type extends string = string, Data extends object = object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/**
 * The decider pattern: state is the fold of events (`evolve` from `initialState()`), and `decide` checks a
 * command against that state and returns the new events, or throws a DomainError. Both functions are pure.
 */
export interface Decider<C, E, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
  /** Opt-in snapshots of the state (see docs/events.md, "Snapshots"); the state must then be JSON or have a codec. */
  snapshot?: SnapshotPolicy<S>;
}

/**
 * An expected business failure with a stable, machine-readable code such as `MODELS.ALREADY_EXISTS`.
 * Codes are `<CONTEXT>.<REASON>` in upper snake case; the gateway maps them to `{error: {code, message}}`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** One invalid request field, named by its proto path (`artifacts[1].sha256`, `training.learning_rate`). */
export interface FieldViolation {
  field: string;
  description: string;
}

/**
 * A context's `<CONTEXT>.INVALID_ARGUMENT` naming every bad field. The fields travel in `details.fieldViolations`
 * (the gRPC layer sends them as ErrorDetail field violations) and, comma-separated, in `details.fields`.
 */
export class InvalidFieldsError extends DomainError {
  constructor(
    code: string,
    readonly violations: FieldViolation[],
  ) {
    super(code, violations.map((v) => `${v.field}: ${v.description}`).join('; '), {
      fields: violations.map((v) => v.field).join(','),
      fieldViolations: violations,
    });
    this.name = 'InvalidArgumentError';
  }
}

/** Folds events into state with a decider's `evolve`. */
export function foldEvents<E, S>(
  decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState'>,
  events: Iterable<E>,
): S {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Use in the `default` branch of a switch over a union: it stops compiling when a case is missing. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
}
