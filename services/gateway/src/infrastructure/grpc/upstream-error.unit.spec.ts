import { status as GrpcStatus, Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { upstreamError } from './upstream-error';

function serviceError(code: GrpcStatus, details: string, trailers: Record<string, string> = {}) {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  return Object.assign(new Error(details), { code, details, metadata });
}

describe('upstreamError', () => {
  it('keeps the service code from neuroforge-error-code and maps the status to HTTP', () => {
    const error = upstreamError(
      'models',
      serviceError(GrpcStatus.NOT_FOUND, 'model x not found', { 'neuroforge-error-code': 'MODELS.NOT_FOUND' }),
    );
    expect([error.status, error.code, error.message]).toEqual([404, 'MODELS.NOT_FOUND', 'model x not found']);
  });

  it.each([
    [GrpcStatus.INVALID_ARGUMENT, 400],
    [GrpcStatus.UNAUTHENTICATED, 401],
    [GrpcStatus.PERMISSION_DENIED, 403],
    [GrpcStatus.ALREADY_EXISTS, 409],
    [GrpcStatus.FAILED_PRECONDITION, 409],
    [GrpcStatus.RESOURCE_EXHAUSTED, 429],
    [GrpcStatus.INTERNAL, 502],
  ])('maps gRPC status %s to HTTP %s', (code, http) => {
    expect(upstreamError('inference', serviceError(code, 'x', { 'neuroforge-error-code': 'INFERENCE.X' })).status).toBe(
      http,
    );
  });

  it('turns a service that is down or lacks the RPC into <CONTEXT>.UNAVAILABLE 503 with Retry-After', () => {
    for (const code of [GrpcStatus.UNAVAILABLE, GrpcStatus.UNIMPLEMENTED]) {
      const error = upstreamError('training', serviceError(code, 'connect ECONNREFUSED'));
      expect([error.status, error.code, error.headers['retry-after']]).toEqual([503, 'TRAINING.UNAVAILABLE', '1']);
    }
  });

  it('does not leak internal messages', () => {
    const error = upstreamError('auth', serviceError(GrpcStatus.INTERNAL, 'TypeError: x is undefined at foo.ts:12'));
    expect(error.message).toBe('The auth service failed.');
    expect(error.code).toBe('AUTH.INTERNAL');
  });
});
