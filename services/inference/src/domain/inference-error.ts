// The one error type of the inference service: a stable code (`INFERENCE.*`), the message and, for bad input, the
// field. Which gRPC status a code gets is decided in one place (interface/grpc-errors.ts).
import { DomainError } from '@neuroforge/events';

export const INFERENCE_ERROR_CODES = [
  'INFERENCE.INVALID_ARGUMENT',
  'INFERENCE.INVALID_MEDIA',
  'INFERENCE.OVERLOADED',
  'INFERENCE.MODEL_NOT_FOUND',
  'INFERENCE.MODEL_UNAVAILABLE',
  'INFERENCE.DEADLINE_EXCEEDED',
  'INFERENCE.CANCELLED',
  'INFERENCE.INTERNAL',
] as const;

export type InferenceErrorCode = (typeof INFERENCE_ERROR_CODES)[number];

export class InferenceError extends DomainError {
  constructor(
    /** Stable `INFERENCE.REASON` code; also the metric label of the failure. */
    override readonly code: InferenceErrorCode,
    message: string,
    readonly field?: string,
    /** Extra trailing metadata, e.g. `retry-after-ms`. */
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, { ...(field ? { field } : {}), ...metadata });
    this.name = 'InferenceError';
  }

  static invalidArgument(field: string, description: string): InferenceError {
    return new InferenceError('INFERENCE.INVALID_ARGUMENT', `${field} ${description}`, field);
  }

  /** Media bytes the engine cannot use (not an image, truncated WAV, wrong sample rate…); names the chunk. */
  static invalidMedia(field: string, reason: string): InferenceError {
    return new InferenceError('INFERENCE.INVALID_MEDIA', `${field}: ${reason}`, field);
  }

  static overloaded(retryAfterMs: number, queued: number): InferenceError {
    return new InferenceError(
      'INFERENCE.OVERLOADED',
      `the model's queue is full (${queued} requests waiting); retry after about ${retryAfterMs} ms`,
      undefined,
      { 'retry-after-ms': String(retryAfterMs) },
    );
  }

  static modelNotFound(ref: string, why: string): InferenceError {
    return new InferenceError('INFERENCE.MODEL_NOT_FOUND', `model ${ref} not found: ${why}`);
  }

  static modelUnavailable(ref: string, why: string): InferenceError {
    return new InferenceError('INFERENCE.MODEL_UNAVAILABLE', `model ${ref} is not available: ${why}`);
  }

  static deadlineExceeded(ms: number): InferenceError {
    return new InferenceError(
      'INFERENCE.DEADLINE_EXCEEDED',
      `generation did not finish within inference.request_timeout_ms (${ms} ms)`,
    );
  }

  static cancelled(): InferenceError {
    return new InferenceError('INFERENCE.CANCELLED', 'the client cancelled the request');
  }
}
