import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Logger } from '@neuroforge/service-kit';
import { SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';
import { EDGE_ERROR_CODES } from './error-codes';

/** Fastify's own refusals (body parsing, media types, sizes) by their `code`. */
const FASTIFY_CODES: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: EDGE_ERROR_CODES.bodyTooLarge,
    message: 'The request body is larger than the gateway accepts (gateway.max_body_bytes).',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: EDGE_ERROR_CODES.unsupportedMediaType,
    message: 'Send the body as application/json.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: EDGE_ERROR_CODES.invalidJson,
    message: 'The body is empty but the content type says JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: EDGE_ERROR_CODES.badRequest,
    message: 'Content-Length does not match the body.',
  },
};

const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: EDGE_ERROR_CODES.badRequest,
  401: EDGE_ERROR_CODES.unauthenticated,
  403: EDGE_ERROR_CODES.forbidden,
  404: EDGE_ERROR_CODES.routeNotFound,
  413: EDGE_ERROR_CODES.bodyTooLarge,
  415: EDGE_ERROR_CODES.unsupportedMediaType,
};

/** Whatever was thrown, as the one error type the gateway answers with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyCode = (error as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && FASTIFY_CODES[fastifyCode]) {
    const known = FASTIFY_CODES[fastifyCode];
    return new ApiError(known.status, known.code, known.message);
  }
  if (error instanceof SyntaxError || (error as { type?: unknown })?.type === 'entity.parse.failed') {
    return new ApiError(400, EDGE_ERROR_CODES.invalidJson, `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_OF_STATUS[status] ?? (status >= 500 ? EDGE_ERROR_CODES.internal : EDGE_ERROR_CODES.badRequest);
    const message = status === 404 ? 'No such route; see /api/docs.' : error.message;
    return new ApiError(status, code, message);
  }
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new ApiError(
      statusCode,
      CODE_OF_STATUS[statusCode] ?? EDGE_ERROR_CODES.badRequest,
      (error as Error).message,
    );
  }
  return new ApiError(
    500,
    EDGE_ERROR_CODES.internal,
    'The gateway failed; the request id leads to the cause in the logs.',
  );
}

/** Every failure leaves the gateway as `{error: {code, message, details}}` with a stable code. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const error = toApiError(exception);
    if (error.status >= 500) {
      this.logger.error({ err: exception, request_id: request?.requestId, url: request?.url }, 'request failed');
    }
    if (reply.sent || reply.raw.headersSent) return;
    reply.status(error.status).headers(error.headers).send(error.envelope());
  }
}
