// Infrastructure errors of the kit. Domain failures are DomainError (./event).

/** The stream was not at the version the writer expected: someone else appended first. Retry after reload. */
export class VersionConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    readonly actualVersion: number | undefined,
  ) {
    super(
      `version conflict on stream ${streamId}: expected ${String(expectedVersion)}, ` +
        `stream is at ${actualVersion === undefined ? 'a newer version' : actualVersion}`,
    );
    this.name = 'VersionConflictError';
  }
}

/**
 * What the writer believes about the stream before appending:
 * a number N (the stream's current version; 0 = empty), `no_stream` (must be empty), `any` (no check).
 */
export type ExpectedVersion = number | 'no_stream' | 'any';
