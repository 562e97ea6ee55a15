import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError, type FieldViolation } from './api-error';

/** What a route accepts and answers; validation and the OpenAPI document both read it. */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  /** The JSON answer on success; omit for non-JSON answers (`produces`). */
  response?: z.ZodType;
  /** Success status (default 200). */
  status?: number;
  /** A non-JSON success content type, e.g. text/event-stream or text/plain. */
  produces?: string;
}

export const ROUTE_DOC = 'neuroforge:route-doc';

/** Documents a route and declares the schemas its `@ValidBody()` / `@ValidQuery()` / `@ValidParams()` use. */
export const ApiRoute = (doc: RouteDoc) => SetMetadata(ROUTE_DOC, doc);

/** zod issues as `{field, rule}` pairs, `field` a dotted path (`messages.0.content`). */
export function violationsOf(error: z.ZodError): FieldViolation[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), rule: issue.message }));
}

/** Parses `value` with `schema` or throws 400 REQUEST.VALIDATION_FAILED naming each bad field and its rule. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw ApiError.validation(violationsOf(result.error), where);
  return result.data;
}

function validated(part: 'body' | 'query' | 'params') {
  return createParamDecorator((_: unknown, context: ExecutionContext) => {
    const doc = Reflect.getMetadata(ROUTE_DOC, context.getHandler()) as RouteDoc | undefined;
    const schema = doc?.[part];
    if (!schema) throw new Error(`${context.getClass().name}.${context.getHandler().name} has no ${part} schema`);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return parseOrThrow(schema, request[part] ?? (part === 'body' ? undefined : {}), part);
  })();
}

/** The request body, validated against the route's `body` schema. */
export const ValidBody = () => validated('body');
/** The query string, validated against the route's `query` schema. */
export const ValidQuery = () => validated('query');
/** The path parameters, validated against the route's `params` schema. */
export const ValidParams = () => validated('params');
