// The one mechanism by which a service's failures become gRPC statuses (docs/api/grpc.md, "Errors"). A service
// supplies only its table (stable code → status) and its INTERNAL code; every failed RPC then carries the stable
// code in the trailing metadata `neuroforge-error-code` and a serialised neuroforge.common.v1.ErrorDetail in
// `neuroforge-error-detail-bin`. Anything unexpected leaves as INTERNAL with a generic message (the real error is
// logged), so internals never reach a client.
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { Catch, Inject, Injectable, type RpcExceptionFilter } from '@nestjs/common';
import { PROTO_ROOT } from '@neuroforge/contracts';
import { DomainError, type FieldViolation } from '@neuroforge/events';
import protobuf from 'protobufjs';
import { type Observable, throwError } from 'rxjs';
import { SERVICE_LOGGER } from '../kit.module';
import type { Logger } from '../telemetry';

export const ERROR_CODE_KEY = 'neuroforge-error-code';
export const ERROR_DETAIL_KEY = 'neuroforge-error-detail-bin';

/** How one service's failures map to gRPC. */
export interface GrpcErrorMapping {
  /** Stable code → status. A DomainError whose code is not here (another context's) is a bug: it leaves as INTERNAL. */
  readonly statusByCode: Readonly<Record<string, status>>;
  /** The stable code of unexpected failures, e.g. `MODELS.INTERNAL`. */
  readonly internalCode: string;
  /** What the client reads for an unexpected failure; never the error's own text. */
  readonly internalMessage: string;
  /** Turns failures the service expects but does not raise as DomainErrors (a lost race, a dependency down) into its own. */
  readonly translate?: (error: unknown) => DomainError | undefined;
  /**
   * Extra trailing metadata of an expected failure, next to the code and the detail: what a client acts on without
   * decoding the detail, e.g. `retry-after-ms` of an overloaded server.
   */
  readonly trailingMetadata?: (error: DomainError) => Readonly<Record<string, string>>;
}

/** What grpc-js sends for a failed call: status, message and trailing metadata. */
export interface GrpcError {
  code: status;
  message: string;
  details: string;
  metadata: Metadata;
}

/** neuroforge.common.v1.ErrorDetail as this module writes and reads it. */
export interface ErrorDetail {
  code: string;
  message: string;
  fieldViolations: FieldViolation[];
  metadata: Record<string, string>;
}

let errorDetailType: protobuf.Type | undefined;
function errorDetailMessage(): protobuf.Type {
  errorDetailType ??= protobuf
    .loadSync(join(PROTO_ROOT, 'neuroforge/common/v1/common.proto'))
    .lookupType('neuroforge.common.v1.ErrorDetail');
  return errorDetailType;
}

export function encodeErrorDetail(detail: ErrorDetail): Buffer {
  const type = errorDetailMessage();
  return Buffer.from(type.encode(type.fromObject(detail)).finish());
}

/** Reads an ErrorDetail back (clients and tests). */
export function decodeErrorDetail(bytes: Buffer): ErrorDetail {
  const type = errorDetailMessage();
  return type.toObject(type.decode(bytes), { defaults: true, arrays: true, objects: true }) as ErrorDetail;
}

/** The stable code a failed call carried in its trailing metadata ('' when it carried none). */
export function errorCodeOf(error: unknown): string {
  const metadata = (error as { metadata?: Metadata } | null)?.metadata;
  return String(metadata?.get(ERROR_CODE_KEY)[0] ?? '');
}

/**
 * The offending fields of a DomainError: `details.fieldViolations` when it lists them, else `details.field` (an
 * error about one field, e.g. a reference that does not resolve) with the error's message.
 */
function fieldViolationsOf(error: DomainError): FieldViolation[] {
  const listed = error.details.fieldViolations;
  if (Array.isArray(listed)) {
    return listed.map((v: Partial<FieldViolation>) => ({ field: String(v.field), description: String(v.description) }));
  }
  const field = error.details.field;
  return typeof field === 'string' ? [{ field, description: error.message }] : [];
}

/** ErrorDetail.metadata is string pairs: scalar details are sent as text, structured ones (violations) are not. */
function metadataOf(error: DomainError): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [key, value] of Object.entries(error.details)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      pairs[key] = String(value);
  }
  return pairs;
}

/** Any thrown value → the status, message and trailing metadata the client receives. */
export function toGrpcError(error: unknown, mapping: GrpcErrorMapping): GrpcError {
  // Already mapped (e.g. by a streaming handler before Nest hands the error to the filter): keep it as it is.
  if (isGrpcError(error)) return error;
  const domain = error instanceof DomainError ? error : mapping.translate?.(error);
  const known = domain && Object.hasOwn(mapping.statusByCode, domain.code) ? domain : undefined;
  const code = known?.code ?? mapping.internalCode;
  const message = known?.message ?? mapping.internalMessage;
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, code);
  metadata.set(
    ERROR_DETAIL_KEY,
    encodeErrorDetail({
      code,
      message,
      fieldViolations: known ? fieldViolationsOf(known) : [],
      metadata: known ? metadataOf(known) : {},
    }),
  );
  if (known && mapping.trailingMetadata) {
    for (const [key, value] of Object.entries(mapping.trailingMetadata(known))) metadata.set(key, value);
  }
  const grpcStatus = known ? (mapping.statusByCode[known.code] ?? status.INTERNAL) : status.INTERNAL;
  return { code: grpcStatus, message, details: message, metadata };
}

function isGrpcError(error: unknown): error is GrpcError {
  const candidate = error as Partial<GrpcError> | null;
  return typeof candidate?.code === 'number' && candidate.metadata instanceof Metadata;
}

/**
 * Driver errors that mean a dependency (MongoDB, Kafka, Redis) is not answering: safe for the client to retry.
 * For a service's `translate`.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return /^Mongo(Network|ServerSelection|NotConnected)|^KafkaJS(Connection|NumberOfRetriesExceeded)|MaxRetriesPerRequest/.test(
    name,
  );
}

/** The service's GrpcErrorMapping, provided by the module that owns the gRPC controller. */
export const GRPC_ERROR_MAPPING = Symbol('GRPC_ERROR_MAPPING');

/**
 * `@UseFilters(GrpcErrorFilter)` on a gRPC controller: every thrown error leaves through toGrpcError. Unexpected
 * errors are logged at error level; translated ones (not DomainErrors, yet expected) at warn.
 */
@Catch()
@Injectable()
export class GrpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(
    @Inject(GRPC_ERROR_MAPPING) private readonly mapping: GrpcErrorMapping,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  catch(exception: unknown): Observable<never> {
    const grpcError = toGrpcError(exception, this.mapping);
    if (grpcError.code === status.INTERNAL) this.logger.error({ err: exception }, 'RPC failed unexpectedly');
    else if (!(exception instanceof DomainError)) this.logger.warn({ err: exception }, 'RPC failed');
    return throwError(() => grpcError);
  }
}
