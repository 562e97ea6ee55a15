// The one place where failures become gRPC statuses (docs/api/grpc.md, "Errors"): each EMBEDDINGS.* code has one
// status; the trailing metadata carries `neuroforge-error-code` and `neuroforge-error-detail-bin` (a serialised
// common.v1.ErrorDetail with the offending field). Anything unexpected is INTERNAL with a generic message; the real
// error goes to the log.
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { PROTO_ROOT } from '@neuroforge/contracts';
import { loadSync, type Type } from 'protobufjs';
import { EmbeddingsError, type EmbeddingsErrorCode } from '../../domain/embeddings-error';
import { CollectionMissing } from '../../infrastructure/postgres/pg-vector-store';

export const STATUS_OF: Record<EmbeddingsErrorCode, status> = {
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

let errorDetailType: Type | undefined;

function errorDetail(): Type {
  errorDetailType ??= loadSync(join(PROTO_ROOT, 'neuroforge/common/v1/common.proto')).lookupType(
    'neuroforge.common.v1.ErrorDetail',
  );
  return errorDetailType;
}

/** The EmbeddingsError a failure stands for (INTERNAL when it was not expected). */
export function asEmbeddingsError(error: unknown): EmbeddingsError {
  if (error instanceof EmbeddingsError) return error;
  if (error instanceof CollectionMissing) return EmbeddingsError.collectionNotFound(error.collection);
  const text = `${(error as { name?: string })?.name ?? ''} ${(error as { code?: string })?.code ?? ''} ${String((error as Error)?.message ?? error)}`;
  if (UNAVAILABLE_ERRORS.test(text)) {
    return new EmbeddingsError('EMBEDDINGS.UNAVAILABLE', 'a storage dependency is not answering; retry shortly');
  }
  return new EmbeddingsError('EMBEDDINGS.INTERNAL', 'internal error; see the server log');
}

export function toRpcException(error: unknown): RpcException {
  const e = asEmbeddingsError(error);
  const metadata = new Metadata();
  metadata.set('neuroforge-error-code', e.code);
  const detail = errorDetail();
  metadata.set(
    'neuroforge-error-detail-bin',
    Buffer.from(
      detail
        .encode(
          detail.fromObject({
            code: e.code,
            message: e.message,
            fieldViolations: e.field ? [{ field: e.field, description: e.message }] : [],
            metadata: {},
          }),
        )
        .finish(),
    ),
  );
  return new RpcException({ code: STATUS_OF[e.code], message: e.message, details: e.message, metadata });
}
