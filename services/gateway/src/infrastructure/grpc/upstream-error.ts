import { status as GrpcStatus, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { GrpcContext } from '@neuroforge/contracts';
import { decodeErrorDetail, ERROR_DETAIL_KEY, type ErrorDetail, errorCodeOf } from '@neuroforge/service-kit';
import { ApiError, type FieldViolation } from '../../edge/api-error';
import { HTTP_STATUS_OF_GRPC } from '../../edge/error-codes';

/** The code prefix a context's own errors use, e.g. MODELS.NOT_FOUND, TRAINING.UNAVAILABLE. */
const CONTEXT_PREFIX: Readonly<Record<GrpcContext, string>> = {
  auth: 'AUTH',
  models: 'MODELS',
  inference: 'INFERENCE',
  training: 'TRAINING',
  embeddings: 'EMBEDDINGS',
};

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && 'metadata' in error;
}

/** The service kit's ErrorDetail trailer, when the service sent a readable one. */
function errorDetail(metadata: Metadata | undefined): ErrorDetail | undefined {
  const raw = metadata?.get(ERROR_DETAIL_KEY)[0];
  if (!Buffer.isBuffer(raw)) return undefined;
  try {
    return decodeErrorDetail(raw);
  } catch {
    return undefined;
  }
}

/**
 * Turns a failed upstream call into the gateway's error: the HTTP status follows the gRPC status
 * (docs/api/grpc.md), the code is the service's `neuroforge-error-code` trailer when it sent one, else
 * `<CONTEXT>.<REASON>` from the status. A service that is down or does not implement the call is
 * `<CONTEXT>.UNAVAILABLE` (503), so clients can retry; internal details never leak.
 */
export function upstreamError(context: GrpcContext, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const prefix = CONTEXT_PREFIX[context];
  if (!isServiceError(error)) {
    return new ApiError(502, `${prefix}.UPSTREAM_ERROR`, `The ${context} service failed: ${String(error)}`);
  }
  const status = error.code;
  const detail = errorDetail(error.metadata);
  const code = errorCodeOf(error) || detail?.code || undefined;
  const details: Record<string, unknown> = { grpc_status: GrpcStatus[status] ?? String(status) };
  if (detail?.fieldViolations.length) {
    details.fields = detail.fieldViolations.map((v): FieldViolation => ({ field: v.field, rule: v.description }));
  }
  if (detail && Object.keys(detail.metadata).length) details.metadata = detail.metadata;

  if (!code && (status === GrpcStatus.UNAVAILABLE || status === GrpcStatus.UNIMPLEMENTED)) {
    return new ApiError(
      503,
      `${prefix}.UNAVAILABLE`,
      `The ${context} service is not available right now; retry later.`,
      details,
      { 'retry-after': '1' },
    );
  }
  if (!code && status === GrpcStatus.DEADLINE_EXCEEDED) {
    return new ApiError(504, `${prefix}.TIMEOUT`, `The ${context} service did not answer in time.`, details);
  }
  const httpStatus = HTTP_STATUS_OF_GRPC[status] ?? 502;
  // A bug upstream: say so generically; the trace id in the logs leads to the cause.
  const message =
    httpStatus >= 500 && status !== GrpcStatus.UNAVAILABLE
      ? `The ${context} service failed.`
      : detail?.message || error.details || `The ${context} service refused the request.`;
  return new ApiError(
    httpStatus,
    code ?? `${prefix}.${GrpcStatus[status] ?? 'UPSTREAM_ERROR'}`,
    message,
    details,
    status === GrpcStatus.UNAVAILABLE ? { 'retry-after': '1' } : {},
  );
}
