import { status } from '@grpc/grpc-js';
import { DomainError } from '@neuroforge/events';
import {
  decodeErrorDetail,
  ERROR_CODE_KEY,
  ERROR_DETAIL_KEY,
  toGrpcError as kitToGrpcError,
} from '@neuroforge/service-kit';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, TrainingErrorCode, trainingErrors } from '../../domain/training.errors';
import { STATUS_OF_CODE, TRAINING_GRPC_ERRORS } from './grpc-errors';

const toGrpcError = (error: unknown) => kitToGrpcError(error, TRAINING_GRPC_ERRORS);

describe('gRPC error mapping', () => {
  it('maps every stable code', () => {
    for (const code of Object.values(TrainingErrorCode)) expect(STATUS_OF_CODE[code]).toBeTypeOf('number');
  });

  it('carries the code and the offending fields in trailing metadata', () => {
    const error = toGrpcError(new InvalidArgumentError([{ field: 'training.learning_rate', description: 'too big' }]));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.metadata.get(ERROR_CODE_KEY)).toEqual(['TRAINING.INVALID_ARGUMENT']);
    const detail = decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.fieldViolations).toEqual([{ field: 'training.learning_rate', description: 'too big' }]);
  });

  it('names the field of a NOT_FOUND reference', () => {
    const error = toGrpcError(trainingErrors.datasetNotFound('nope'));
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.message).toMatch(/^dataset_id: /);
    const detail = decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.fieldViolations[0]?.field).toBe('dataset_id');
  });

  it('hides unexpected errors behind INTERNAL', () => {
    const error = toGrpcError(new Error('secret stack'));
    expect(error.code).toBe(status.INTERNAL);
    expect(error.message).not.toMatch(/secret/);
    expect(toGrpcError(new DomainError('OTHER.CODE', 'x')).code).toBe(status.INTERNAL);
  });
});
