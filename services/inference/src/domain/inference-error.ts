// The one error type of the inference service: a gRPC status, a stable code and, for bad input, the field.
// The gRPC controller turns it into status + trailing metadata in one place (interface/grpc-errors.ts).

/** gRPC status codes used here (values from the gRPC spec; kept local so the domain imports no transport). */
export const GrpcStatus = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

export class InferenceError extends Error {
  constructor(
    readonly status: GrpcStatusCode,
    /** Stable `INFERENCE.REASON` code; also the metric label of the failure. */
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra trailing metadata, e.g. `retry-after-ms`. */
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'InferenceError';
  }

  static invalidArgument(field: string, description: string): InferenceError {
    return new InferenceError(
      GrpcStatus.INVALID_ARGUMENT,
      'INFERENCE.INVALID_ARGUMENT',
      `${field} ${description}`,
      field,
    );
  }

  /** Media bytes the engine cannot use (not an image, truncated WAV, wrong sample rate…); names the chunk. */
  static invalidMedia(field: string, reason: string): InferenceError {
    return new InferenceError(GrpcStatus.INVALID_ARGUMENT, 'INFERENCE.INVALID_MEDIA', `${field}: ${reason}`, field);
  }

  static overloaded(retryAfterMs: number, queued: number): InferenceError {
    return new InferenceError(
      GrpcStatus.RESOURCE_EXHAUSTED,
      'INFERENCE.OVERLOADED',
      `the model's queue is full (${queued} requests waiting); retry after about ${retryAfterMs} ms`,
      undefined,
      { 'retry-after-ms': String(retryAfterMs) },
    );
  }

  static modelNotFound(ref: string, why: string): InferenceError {
    return new InferenceError(GrpcStatus.NOT_FOUND, 'INFERENCE.MODEL_NOT_FOUND', `model ${ref} not found: ${why}`);
  }

  static modelUnavailable(ref: string, why: string): InferenceError {
    return new InferenceError(
      GrpcStatus.UNAVAILABLE,
      'INFERENCE.MODEL_UNAVAILABLE',
      `model ${ref} is not available: ${why}`,
    );
  }

  static deadlineExceeded(ms: number): InferenceError {
    return new InferenceError(
      GrpcStatus.DEADLINE_EXCEEDED,
      'INFERENCE.DEADLINE_EXCEEDED',
      `generation did not finish within inference.request_timeout_ms (${ms} ms)`,
    );
  }

  static cancelled(): InferenceError {
    return new InferenceError(GrpcStatus.CANCELLED, 'INFERENCE.CANCELLED', 'the client cancelled the request');
  }
}
