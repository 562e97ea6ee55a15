// Bad media is the caller's fault: one typed error that names the request field, so services map it to
// INVALID_ARGUMENT (gRPC) / 400 (HTTP) with the field as the violation, e.g. `inputs[1].image: not a PNG/JPEG/WebP image`.
export class MediaInputError extends Error {
  /** Stable code for error envelopes. */
  readonly code = 'INVALID_MEDIA';

  constructor(
    /** The request field that holds the bad media, e.g. `inputs[1].image`. */
    readonly field: string,
    /** What is wrong and how to fix it. */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'MediaInputError';
  }
}
