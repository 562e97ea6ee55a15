// Expected failures of the embeddings service, each with a stable code (`EMBEDDINGS.*`). The gRPC status of a code
// is decided in one place (interface/grpc/grpc-errors.ts); here a failure only says what went wrong and, for bad input,
// which request field.
import { DomainError } from '@neuroforge/events';

export const ERROR_CODES = [
  'EMBEDDINGS.INVALID_ARGUMENT',
  'EMBEDDINGS.EMPTY_TEXT',
  'EMBEDDINGS.BATCH_TOO_LARGE',
  'EMBEDDINGS.DIMENSION_MISMATCH',
  'EMBEDDINGS.INVALID_FILTER',
  'EMBEDDINGS.COLLECTION_NOT_FOUND',
  'EMBEDDINGS.COLLECTION_ALREADY_EXISTS',
  'EMBEDDINGS.MODEL_NOT_FOUND',
  'EMBEDDINGS.MODEL_UNAVAILABLE',
  'EMBEDDINGS.REEMBEDDING_NOT_RUNNING',
  'EMBEDDINGS.CONFLICT',
  'EMBEDDINGS.UNAVAILABLE',
  'EMBEDDINGS.INTERNAL',
] as const;

export type EmbeddingsErrorCode = (typeof ERROR_CODES)[number];

export class EmbeddingsError extends DomainError {
  constructor(
    override readonly code: EmbeddingsErrorCode,
    message: string,
    /** The request field at fault (proto name, e.g. `documents[3].vector`), for INVALID_ARGUMENT codes. */
    readonly field?: string,
  ) {
    super(code, message, field ? { field } : {});
    this.name = 'EmbeddingsError';
  }

  static invalid(field: string, message: string): EmbeddingsError {
    return new EmbeddingsError('EMBEDDINGS.INVALID_ARGUMENT', `${field}: ${message}`, field);
  }

  static collectionNotFound(name: string): EmbeddingsError {
    return new EmbeddingsError('EMBEDDINGS.COLLECTION_NOT_FOUND', `collection '${name}' does not exist`, 'collection');
  }

  static dimensionMismatch(field: string, got: number, expected: number): EmbeddingsError {
    return new EmbeddingsError(
      'EMBEDDINGS.DIMENSION_MISMATCH',
      `${field} has ${got} dimensions but the collection holds ${expected}-dimensional vectors`,
      field,
    );
  }
}
