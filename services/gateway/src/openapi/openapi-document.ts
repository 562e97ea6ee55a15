import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { z } from 'zod';
import { PUBLIC_ROUTE, REFRESH_TOKEN_CREDENTIAL, REQUIRED_PERMISSION } from '../edge/route-policy';
import { ROUTE_DOC, type RouteDoc } from '../edge/validation';
import { ErrorEnvelopeSchema } from '../schemas/common.schemas';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends (`input`) or receives (`output`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function joinPath(...parts: (string | undefined)[]): string {
  const path = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment))
    .join('/');
  return `/${path}`;
}

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid input (REQUEST.VALIDATION_FAILED names each field and rule; REQUEST.INVALID_JSON)',
  '401': 'Missing, invalid or expired credential',
  '403': 'The role or the key scopes do not allow this route (AUTH.FORBIDDEN)',
  '413': 'Body larger than gateway.max_body_bytes (REQUEST.BODY_TOO_LARGE)',
  '429': 'Rate limit reached; Retry-After says when to retry',
  '503': 'An upstream service is not available; retry later',
};

/** A route's parameters (path or query) from its zod object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

/**
 * The OpenAPI 3.1 document of the gateway, built from the controllers' own metadata: Nest's paths and methods,
 * the `@ApiRoute` zod schemas that also validate requests, and the `@Public`/`@RequirePermission` policy that
 * AuthGuard enforces. WebSocket `/ws/chat` is described in `info.description` (OpenAPI has no WebSocket verb).
 */
export function buildOpenApiDocument(controllers: readonly Type<unknown>[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const controller of controllers) {
    const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const doc = Reflect.getMetadata(ROUTE_DOC, handler) as RouteDoc | undefined;
      if (method === undefined || !doc) continue;
      const path = joinPath(prefix, Reflect.getMetadata(PATH_METADATA, handler) as string | undefined);
      const isPublic = Reflect.getMetadata(PUBLIC_ROUTE, handler) === true;
      const refreshCredential = Reflect.getMetadata(REFRESH_TOKEN_CREDENTIAL, handler) === true;
      const permission =
        (Reflect.getMetadata(REQUIRED_PERMISSION, handler) as string | undefined) ??
        (Reflect.getMetadata(REQUIRED_PERMISSION, controller) as string | undefined);
      const status = String(doc.status ?? 200);
      const success = doc.produces
        ? { description: 'Success', content: { [doc.produces]: { schema: { type: 'string' } } } }
        : {
            description: 'Success',
            content: { 'application/json': { schema: doc.response ? jsonSchema(doc.response, 'output') : {} } },
          };
      const errors = Object.fromEntries(
        Object.entries(ERROR_RESPONSES)
          .filter(([code]) => !(isPublic && (code === '401' || code === '403')))
          .map(([code, description]) => [
            code,
            { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ]),
      );
      const access = isPublic
        ? 'Public: no credential needed.'
        : refreshCredential
          ? 'Credential: the refresh token in the body.'
          : `Needs a credential${permission ? ` with the permission \`${permission}\`` : ''}.`;
      paths[path] ??= {};
      paths[path][RequestMethod[method].toLowerCase()] = {
        operationId: `${controller.name.replace(/HttpController$/, '')}_${name}`,
        summary: doc.summary,
        description: [doc.description, access].filter(Boolean).join('\n\n'),
        tags: doc.tags,
        security: isPublic || refreshCredential ? [] : [{ bearer: [] }, { apiKey: [] }],
        ...(permission && !isPublic && { 'x-neuroforge-permission': permission }),
        parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
        ...(doc.body && {
          requestBody: {
            required: !doc.body.safeParse(undefined).success,
            content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } },
          },
        }),
        responses: { [status]: success, ...errors },
      };
    }
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'NeuroForge gateway',
      version,
      description:
        'REST /api/v1, the OpenAI-compatible /v1 and WebSocket /ws/chat (protocol in docs/api/rest.md). Errors are ' +
        '`{error: {code, message, details}}` with stable codes.',
    },
    servers: [{ url: 'http://127.0.0.1:8000' }],
    components: {
      schemas: { Error: jsonSchema(ErrorEnvelopeSchema, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An access token (JWT) or an API key (nf_...).' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
    paths: sortedPaths,
  };
}
