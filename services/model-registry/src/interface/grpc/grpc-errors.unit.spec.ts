import { status } from '@grpc/grpc-js';
import { DomainError, VersionConflictError } from '@neuroforge/events';
import {
  decodeErrorDetail,
  ERROR_CODE_KEY,
  ERROR_DETAIL_KEY,
  toGrpcError as kitToGrpcError,
} from '@neuroforge/service-kit';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelErrorCode, modelErrors } from '../../domain/model.errors';
import { MODELS_GRPC_ERRORS, STATUS_OF_CODE } from './grpc-errors';

const toGrpcError = (error: unknown) => kitToGrpcError(error, MODELS_GRPC_ERRORS);

describe('toGrpcError', () => {
  it('maps every registry error code to a status', () => {
    expect(Object.keys(STATUS_OF_CODE).sort()).toEqual(Object.values(ModelErrorCode).sort());
  });

  it.each([
    [modelErrors.notFound('m'), status.NOT_FOUND],
    [modelErrors.alreadyExists('m', false), status.ALREADY_EXISTS],
    [modelErrors.deleted('m'), status.FAILED_PRECONDITION],
    [modelErrors.versionNotFound('m', 3, 2), status.NOT_FOUND],
    [modelErrors.aliasTaken('prod', 'm'), status.ALREADY_EXISTS],
    [new InvalidArgumentError([{ field: 'name', description: 'is required' }]), status.INVALID_ARGUMENT],
  ])('%s → status %i', (error, expected) => {
    expect(toGrpcError(error).code).toBe(expected);
  });

  it('puts the stable code and a decodable ErrorDetail in the trailing metadata', () => {
    const error = toGrpcError(
      new InvalidArgumentError([
        { field: 'name', description: 'is required' },
        { field: 'artifacts[0].sha256', description: 'must be 64 lower-case hex digits' },
      ]),
    );
    expect(error.metadata.get(ERROR_CODE_KEY)).toEqual(['MODELS.INVALID_ARGUMENT']);
    const detail = decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.code).toBe('MODELS.INVALID_ARGUMENT');
    expect(detail.fieldViolations.map((v) => v.field)).toEqual(['name', 'artifacts[0].sha256']);
    expect(error.message).toContain('artifacts[0].sha256');
  });

  it('copies error details into the ErrorDetail metadata as strings', () => {
    const error = toGrpcError(modelErrors.versionNotFound('tiny', 4, 3));
    const detail = decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.metadata).toEqual({ model: 'tiny', version: '4' });
  });

  it('hides unexpected errors behind INTERNAL with a generic message', () => {
    const error = toGrpcError(new Error('password=hunter2 leaked in a stack'));
    expect(error.code).toBe(status.INTERNAL);
    expect(error.message).not.toContain('hunter2');
    expect(error.metadata.get(ERROR_CODE_KEY)).toEqual(['MODELS.INTERNAL']);
  });

  it('treats domain errors of other contexts as internal (a registry bug, not a client mistake)', () => {
    expect(toGrpcError(new DomainError('AUTH.NOPE', 'x')).code).toBe(status.INTERNAL);
    expect(toGrpcError(new VersionConflictError('s', 1, 2)).code).toBe(status.INTERNAL);
  });
});
