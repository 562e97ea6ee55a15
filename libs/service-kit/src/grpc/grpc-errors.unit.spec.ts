import { status } from '@grpc/grpc-js';
import { DomainError, InvalidFieldsError, VersionConflictError } from '@neuroforge/events';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../telemetry';
import {
  decodeErrorDetail,
  ERROR_CODE_KEY,
  ERROR_DETAIL_KEY,
  errorCodeOf,
  type GrpcError,
  GrpcErrorFilter,
  type GrpcErrorMapping,
  isDependencyUnavailable,
  toGrpcError,
} from './grpc-errors';

const MAPPING: GrpcErrorMapping = {
  statusByCode: {
    'DEMO.INVALID_ARGUMENT': status.INVALID_ARGUMENT,
    'DEMO.NOT_FOUND': status.NOT_FOUND,
    'DEMO.CONFLICT': status.ABORTED,
  },
  internalCode: 'DEMO.INTERNAL',
  internalMessage: 'internal error; see the demo log',
};

function detailOf(error: GrpcError) {
  return decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
}

describe('toGrpcError', () => {
  it('gives a known domain error its status, message and stable code in the trailing metadata', () => {
    const error = toGrpcError(new DomainError('DEMO.NOT_FOUND', 'thing t does not exist'), MAPPING);
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.message).toBe('thing t does not exist');
    expect(error.details).toBe('thing t does not exist');
    expect(error.metadata.get(ERROR_CODE_KEY)).toEqual(['DEMO.NOT_FOUND']);
    expect(detailOf(error)).toMatchObject({ code: 'DEMO.NOT_FOUND', message: 'thing t does not exist' });
  });

  it('sends the fields listed in details.fieldViolations as ErrorDetail field violations', () => {
    const error = toGrpcError(
      new InvalidFieldsError('DEMO.INVALID_ARGUMENT', [
        { field: 'name', description: 'is required' },
        { field: 'items[2].sha256', description: 'must be 64 hex digits' },
      ]),
      MAPPING,
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toBe('name: is required; items[2].sha256: must be 64 hex digits');
    expect(detailOf(error).fieldViolations).toEqual([
      { field: 'name', description: 'is required' },
      { field: 'items[2].sha256', description: 'must be 64 hex digits' },
    ]);
  });

  it('turns details.field into one field violation described by the message', () => {
    const error = toGrpcError(new DomainError('DEMO.NOT_FOUND', 'ref: no such thing', { field: 'ref' }), MAPPING);
    expect(detailOf(error).fieldViolations).toEqual([{ field: 'ref', description: 'ref: no such thing' }]);
  });

  it('copies scalar details into ErrorDetail.metadata as text and leaves structured ones out', () => {
    const error = toGrpcError(
      new DomainError('DEMO.NOT_FOUND', 'x', { model: 'tiny', version: 4, archived: false, nested: { a: 1 } }),
      MAPPING,
    );
    expect(detailOf(error).metadata).toEqual({ model: 'tiny', version: '4', archived: 'false' });
    const invalid = toGrpcError(
      new InvalidFieldsError('DEMO.INVALID_ARGUMENT', [{ field: 'a', description: 'b' }]),
      MAPPING,
    );
    expect(detailOf(invalid).metadata).toEqual({ fields: 'a' });
  });

  it('passes an error that is already mapped through unchanged (a stream handler mapped it before the filter)', () => {
    const mapped = toGrpcError(new DomainError('DEMO.NOT_FOUND', 'no such demo'), MAPPING);
    const again = toGrpcError(mapped, MAPPING);
    expect(again).toBe(mapped);
    expect(again.code).toBe(status.NOT_FOUND);
    expect(errorCodeOf(again)).toBe('DEMO.NOT_FOUND');
  });

  it('hides unexpected errors behind the internal code and message', () => {
    const error = toGrpcError(new Error('password=hunter2 in a stack'), MAPPING);
    expect(error.code).toBe(status.INTERNAL);
    expect(error.message).toBe('internal error; see the demo log');
    expect(error.metadata.get(ERROR_CODE_KEY)).toEqual(['DEMO.INTERNAL']);
    expect(detailOf(error)).toEqual({
      code: 'DEMO.INTERNAL',
      message: 'internal error; see the demo log',
      fieldViolations: [],
      metadata: {},
    });
  });

  it('treats a domain error of another context as internal, without its message or details', () => {
    const error = toGrpcError(new DomainError('OTHER.NOPE', 'other secret', { user: 'u1' }), MAPPING);
    expect(error.code).toBe(status.INTERNAL);
    expect(error.message).not.toContain('secret');
    expect(detailOf(error).metadata).toEqual({});
  });

  it('maps the failures a translate hook recognises, and only those', () => {
    const mapping: GrpcErrorMapping = {
      ...MAPPING,
      translate: (e) => (e instanceof VersionConflictError ? new DomainError('DEMO.CONFLICT', 'retry') : undefined),
    };
    expect(toGrpcError(new VersionConflictError('s', 1, 2), mapping)).toMatchObject({ code: status.ABORTED });
    expect(toGrpcError(new VersionConflictError('s', 1, 2), MAPPING).code).toBe(status.INTERNAL);
    expect(toGrpcError(new Error('boom'), mapping).code).toBe(status.INTERNAL);
  });

  it('adds the trailing metadata a trailingMetadata hook gives an expected failure, and none to an unexpected one', () => {
    const mapping: GrpcErrorMapping = {
      ...MAPPING,
      trailingMetadata: (e): Record<string, string> => (e.code === 'DEMO.CONFLICT' ? { 'retry-after-ms': '250' } : {}),
    };
    const conflict = toGrpcError(new DomainError('DEMO.CONFLICT', 'busy'), mapping);
    expect(conflict.metadata.get('retry-after-ms')).toEqual(['250']);
    expect(conflict.metadata.get(ERROR_CODE_KEY)).toEqual(['DEMO.CONFLICT']);
    expect(toGrpcError(new DomainError('DEMO.NOT_FOUND', 'gone'), mapping).metadata.get('retry-after-ms')).toEqual([]);
    expect(toGrpcError(new Error('boom'), mapping).metadata.get('retry-after-ms')).toEqual([]);
  });
});

describe('errorCodeOf', () => {
  it('reads the stable code of a failed call, or nothing', () => {
    expect(errorCodeOf(toGrpcError(new DomainError('DEMO.NOT_FOUND', 'x'), MAPPING))).toBe('DEMO.NOT_FOUND');
    expect(errorCodeOf(new Error('no metadata'))).toBe('');
    expect(errorCodeOf(undefined)).toBe('');
  });
});

describe('isDependencyUnavailable', () => {
  it.each([
    ['MongoServerSelectionError', true],
    ['MongoNetworkError', true],
    ['KafkaJSConnectionError', true],
    ['KafkaJSNumberOfRetriesExceededError', true],
    ['MaxRetriesPerRequestError', true],
    ['MongoServerError', false],
    ['Error', false],
  ])('%s → %s', (name, expected) => {
    const error = new Error('x');
    error.name = name;
    expect(isDependencyUnavailable(error)).toBe(expected);
  });
});

describe('GrpcErrorFilter', () => {
  function recordingLogger() {
    const lines: { level: string; msg: string }[] = [];
    const logger = {
      error: (_: unknown, msg: string) => lines.push({ level: 'error', msg }),
      warn: (_: unknown, msg: string) => lines.push({ level: 'warn', msg }),
    } as unknown as Logger;
    return { logger, lines };
  }

  async function caught(filter: GrpcErrorFilter, exception: unknown): Promise<GrpcError> {
    return firstValueFrom(filter.catch(exception)).then(
      () => {
        throw new Error('the filter did not fail the call');
      },
      (error: GrpcError) => error,
    );
  }

  it('fails the call with the mapped error and logs only what is not a domain error', async () => {
    const { logger, lines } = recordingLogger();
    const mapping: GrpcErrorMapping = {
      ...MAPPING,
      translate: (e) => (e instanceof VersionConflictError ? new DomainError('DEMO.CONFLICT', 'retry') : undefined),
    };
    const filter = new GrpcErrorFilter(mapping, logger);

    expect((await caught(filter, new DomainError('DEMO.NOT_FOUND', 'x'))).code).toBe(status.NOT_FOUND);
    expect(lines).toEqual([]);

    expect((await caught(filter, new VersionConflictError('s', 1, 2))).code).toBe(status.ABORTED);
    expect(lines.map((l) => l.level)).toEqual(['warn']);

    expect((await caught(filter, new Error('bug'))).code).toBe(status.INTERNAL);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  });
});
