import { status } from '@grpc/grpc-js';
import { decodeErrorDetail, ERROR_CODE_KEY, ERROR_DETAIL_KEY, toGrpcError } from '@neuroforge/service-kit';
import { describe, expect, it } from 'vitest';
import { EmbeddingsError, ERROR_CODES } from '../../domain/embeddings-error';
import { CollectionMissing } from '../../infrastructure/postgres/pg-vector-store';
import { EMBEDDINGS_GRPC_ERRORS, STATUS_OF } from './grpc-errors';

const grpcError = (error: unknown) => toGrpcError(error, EMBEDDINGS_GRPC_ERRORS);
const codeOf = (error: unknown) => grpcError(error).metadata.get(ERROR_CODE_KEY)[0];

describe('gRPC error mapping', () => {
  it('gives every code a status', () => {
    for (const code of ERROR_CODES) expect(STATUS_OF[code]).toBeTypeOf('number');
  });

  it('puts the code in trailing metadata next to the status', () => {
    const rpc = grpcError(EmbeddingsError.dimensionMismatch('vector', 3, 128));
    expect(rpc.code).toBe(status.INVALID_ARGUMENT);
    expect(rpc.metadata.get(ERROR_CODE_KEY)).toEqual(['EMBEDDINGS.DIMENSION_MISMATCH']);
    expect(rpc.metadata.get(ERROR_DETAIL_KEY)).toHaveLength(1);
    expect(rpc.message).toMatch(/3 dimensions .* 128/);
  });

  it('names the offending field in the ErrorDetail', () => {
    const rpc = grpcError(EmbeddingsError.invalid('documents[3].vector', 'must not be empty'));
    const detail = decodeErrorDetail(rpc.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.fieldViolations.map((v) => v.field)).toEqual(['documents[3].vector']);
  });

  it('reports a collection dropped mid-request as not found, a dead database as unavailable, the rest as internal', () => {
    expect(codeOf(new CollectionMissing('x'))).toBe('EMBEDDINGS.COLLECTION_NOT_FOUND');
    expect(grpcError(new CollectionMissing('x')).code).toBe(status.NOT_FOUND);
    expect(codeOf(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe('EMBEDDINGS.UNAVAILABLE');
    const internal = grpcError(new TypeError('x is undefined'));
    expect(internal.metadata.get(ERROR_CODE_KEY)).toEqual(['EMBEDDINGS.INTERNAL']);
    expect(internal.code).toBe(status.INTERNAL);
    expect(internal.message).not.toContain('undefined');
  });
});
