import { status } from '@grpc/grpc-js';
import { MediaInputError } from '@neuroforge/ml';
import { decodeErrorDetail, ERROR_CODE_KEY, ERROR_DETAIL_KEY, toGrpcError } from '@neuroforge/service-kit';
import { describe, expect, it } from 'vitest';
import { INFERENCE_ERROR_CODES, InferenceError } from '../domain/inference-error';
import { INFERENCE_GRPC_ERRORS, STATUS_OF } from './grpc-errors';

const grpcError = (error: unknown) => toGrpcError(error, INFERENCE_GRPC_ERRORS);

describe('inference gRPC error mapping', () => {
  it('gives every code a status', () => {
    for (const code of INFERENCE_ERROR_CODES) expect(STATUS_OF[code]).toBeTypeOf('number');
  });

  it('sends an overloaded server as RESOURCE_EXHAUSTED with retry-after-ms in the trailers and the detail', () => {
    const rpc = grpcError(InferenceError.overloaded(250, 64));
    expect(rpc.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(rpc.metadata.get(ERROR_CODE_KEY)).toEqual(['INFERENCE.OVERLOADED']);
    expect(rpc.metadata.get('retry-after-ms')).toEqual(['250']);
    const detail = decodeErrorDetail(rpc.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.metadata['retry-after-ms']).toBe('250');
  });

  it('names the offending field of an invalid argument', () => {
    const rpc = grpcError(InferenceError.invalidArgument('parameters.temperature', 'must be at least 0'));
    expect(rpc.code).toBe(status.INVALID_ARGUMENT);
    const detail = decodeErrorDetail(rpc.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail.fieldViolations.map((v) => v.field)).toEqual(['parameters.temperature']);
    expect(rpc.metadata.get('retry-after-ms')).toEqual([]);
  });

  it("reports media the engine cannot decode as the client's INVALID_MEDIA, anything else as a generic INTERNAL", () => {
    const media = grpcError(new MediaInputError('inputs[1].image', 'not a PNG/JPEG/WebP image'));
    expect(media.code).toBe(status.INVALID_ARGUMENT);
    expect(media.metadata.get(ERROR_CODE_KEY)).toEqual(['INFERENCE.INVALID_MEDIA']);
    expect(media.message).toContain('inputs[1].image');
    const internal = grpcError(new TypeError('secret path /var/x is undefined'));
    expect(internal.code).toBe(status.INTERNAL);
    expect(internal.metadata.get(ERROR_CODE_KEY)).toEqual(['INFERENCE.INTERNAL']);
    expect(internal.message).not.toContain('secret');
  });
});
