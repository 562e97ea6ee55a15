import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { EmbeddingsError, ERROR_CODES } from '../../domain/embeddings-error';
import { CollectionMissing } from '../../infrastructure/postgres/pg-vector-store';
import { asEmbeddingsError, STATUS_OF, toRpcException } from './grpc-errors';

describe('gRPC error mapping', () => {
  it('gives every code a status', () => {
    for (const code of ERROR_CODES) expect(STATUS_OF[code]).toBeTypeOf('number');
  });

  it('puts the code in trailing metadata next to the status', () => {
    const rpc = toRpcException(EmbeddingsError.dimensionMismatch('vector', 3, 128)).getError() as {
      code: number;
      message: string;
      metadata: { get(key: string): unknown[] };
    };
    expect(rpc.code).toBe(status.INVALID_ARGUMENT);
    expect(rpc.metadata.get('neuroforge-error-code')).toEqual(['EMBEDDINGS.DIMENSION_MISMATCH']);
    expect(rpc.metadata.get('neuroforge-error-detail-bin')).toHaveLength(1);
    expect(rpc.message).toMatch(/3 dimensions .* 128/);
  });

  it('reports a collection dropped mid-request as not found, a dead database as unavailable, the rest as internal', () => {
    expect(asEmbeddingsError(new CollectionMissing('x')).code).toBe('EMBEDDINGS.COLLECTION_NOT_FOUND');
    expect(asEmbeddingsError(new Error('connect ECONNREFUSED 127.0.0.1:5432')).code).toBe('EMBEDDINGS.UNAVAILABLE');
    const internal = asEmbeddingsError(new TypeError('x is undefined'));
    expect(internal.code).toBe('EMBEDDINGS.INTERNAL');
    expect(internal.message).not.toContain('undefined');
  });
});
