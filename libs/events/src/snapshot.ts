// Snapshots: an aggregate's state saved at a stream version, so a command folds only the events after it.
// Opt-in per decider (`snapshot: { every, version }`). A snapshot is only an optimisation: the events stay the
// truth, and a snapshot that is missing, of another schema version, undecodable or not at a commit boundary
// of its stream is ignored and the state rebuilt from events.

/**
 * A state codec for states that are not plain JSON (Dates, Maps, class instances): `encode` returns plain JSON,
 * `decode` turns it back. Plain-JSON states need none.
 */
export interface SnapshotCodec<S> {
  encode(state: S): unknown;
  decode(json: unknown): S;
}

export interface SnapshotPolicy<S> {
  /** Save a snapshot once the stream has grown this many events past the snapshot the command loaded. */
  every: number;
  /**
   * Schema version of the saved state. Bump it whenever the state's shape or `evolve` changes: snapshots of
   * another version are ignored (the state is rebuilt from events and a new snapshot saved).
   */
  version: number;
  codec?: SnapshotCodec<S>;
}

/** A saved state as the store keeps it: `state` is JSON text (FerretDB refuses some keys and NaN). */
export interface Snapshot {
  readonly streamId: string;
  /** The stream version the state reflects: always the last version of a commit. */
  readonly version: number;
  /** SnapshotPolicy.version of the code that saved it. */
  readonly schemaVersion: number;
  readonly state: string;
}

/** A state that cannot be saved as JSON without changing on the way back. */
export class SnapshotStateError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(
      `snapshot state at ${path} ${problem}: snapshot states must be plain JSON (objects, arrays, strings, ` +
        'finite numbers, booleans, null); give the snapshot policy a codec that encodes this value',
    );
    this.name = 'SnapshotStateError';
  }
}

export function validateSnapshotPolicy(policy: SnapshotPolicy<unknown>): void {
  if (!Number.isInteger(policy.every) || policy.every < 1) {
    throw new Error(`snapshot.every must be a positive integer, got ${policy.every}`);
  }
  if (!Number.isInteger(policy.version)) throw new Error(`snapshot.version must be an integer, got ${policy.version}`);
}

/**
 * Encodes a state as JSON text, refusing anything JSON would silently change (a Date becomes a string, a Map
 * an empty object, NaN null). Call it in an aggregate's unit test to prove its state can be snapshotted.
 */
export function encodeSnapshotState<S>(state: S, codec?: SnapshotCodec<S>): string {
  const json = codec ? codec.encode(state) : state;
  assertPlainJson(json, '$');
  return JSON.stringify(json);
}

export function decodeSnapshotState<S>(text: string, codec?: SnapshotCodec<S>): S {
  const json: unknown = JSON.parse(text);
  return codec ? codec.decode(json) : (json as S);
}

function assertPlainJson(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new SnapshotStateError(path, `is ${value}`);
      return;
    case 'object':
      break;
    default:
      throw new SnapshotStateError(path, `is a ${typeof value}`);
  }
  if (value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === undefined) throw new SnapshotStateError(`${path}[${i}]`, 'is undefined');
      assertPlainJson(item, `${path}[${i}]`);
    });
    return;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new SnapshotStateError(path, `is a ${value.constructor?.name ?? 'non-plain object'}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) assertPlainJson(item, `${path}.${key}`); // an undefined property is simply absent
  }
}
