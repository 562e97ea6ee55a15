// The embeddings service's side of the gRPC error mapping (docs/api/grpc.md, "Errors"): which status each
// EMBEDDINGS.* code gets, and which expected non-domain failures (a collection dropped mid-request, a storage
// dependency down) become which code. The mechanism (trailing metadata, ErrorDetail, the filter) is the service
// kit's GrpcErrorFilter.
import { status } from '@grpc/grpc-js';
import type { GrpcErrorMapping } from '@neuroforge/service-kit';
import { EmbeddingsError, type EmbeddingsErrorCode } from '../../domain/embeddings-error';
import { CollectionMissing } from '../../infrastructure/postgres/pg-vector-store';

/** Stable code → gRPC status. A code missing here is a type error. */
export const STATUS_OF: Readonly<Record<EmbeddingsErrorCode, status>> = {
  'EMBEDDINGS.INVALID_ARGUMENT': status.INVALID_ARGUMENT,
  'EMBEDDINGS.EMPTY_TEXT': status.INVALID_ARGUMENT,
  'EMBEDDINGS.BATCH_TOO_LARGE': status.INVALID_ARGUMENT,
  'EMBEDDINGS.DIMENSION_MISMATCH': status.INVALID_ARGUMENT,
  'EMBEDDINGS.INVALID_FILTER': status.INVALID_ARGUMENT,
  'EMBEDDINGS.COLLECTION_NOT_FOUND': status.NOT_FOUND,
  'EMBEDDINGS.MODEL_NOT_FOUND': status.NOT_FOUND,
  'EMBEDDINGS.COLLECTION_ALREADY_EXISTS': status.ALREADY_EXISTS,
  'EMBEDDINGS.REEMBEDDING_NOT_RUNNING': status.FAILED_PRECONDITION,
  'EMBEDDINGS.CONFLICT': status.ABORTED,
  'EMBEDDINGS.MODEL_UNAVAILABLE': status.UNAVAILABLE,
  'EMBEDDINGS.UNAVAILABLE': status.UNAVAILABLE,
  'EMBEDDINGS.INTERNAL': status.INTERNAL,
};

// Connection failures of PostgreSQL / Mongo: a dependency is down, safe to retry.
const UNAVAILABLE_ERRORS =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|MongoServerSelectionError|57P0[123]/;

/** The expected failures that are not EmbeddingsErrors; anything else stays unexpected (INTERNAL). */
export function translateEmbeddingsFailure(error: unknown): EmbeddingsError | undefined {
  if (error instanceof CollectionMissing) return EmbeddingsError.collectionNotFound(error.collection);
  const text = `${(error as { name?: string })?.name ?? ''} ${(error as { code?: string })?.code ?? ''} ${String((error as Error)?.message ?? error)}`;
  if (UNAVAILABLE_ERRORS.test(text)) {
    return new EmbeddingsError('EMBEDDINGS.UNAVAILABLE', 'a storage dependency is not answering; retry shortly');
  }
  return undefined;
}

export const EMBEDDINGS_GRPC_ERRORS: GrpcErrorMapping = {
  statusByCode: STATUS_OF,
  internalCode: 'EMBEDDINGS.INTERNAL',
  internalMessage: 'internal error; see the server log',
  translate: translateEmbeddingsFailure,
};
