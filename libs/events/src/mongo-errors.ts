// MongoDB/FerretDB error classification shared by the store, leases, markers and projections.

/** E11000: a unique index (or _id) already holds the value. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
