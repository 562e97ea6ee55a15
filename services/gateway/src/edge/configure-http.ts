import fastifyCors from '@fastify/cors';
import fastifyWebsocket from '@fastify/websocket';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import type { FastifyInstance } from 'fastify';
import { ChatWsHandler } from '../interface/ws/chat.ws.handler';
import { ApiError } from './api-error';
import { EDGE_ERROR_CODES } from './error-codes';
import { ErrorEnvelopeFilter } from './error-envelope.filter';
import { registerRequestIds } from './request-id';
import { RouteTable } from './route-table';
import { registerSecurityHeaders } from './security-headers';

/**
 * The gateway's edge, set up before Nest registers its routes so that every route gets it: request ids, helmet
 * headers, CORS from configuration, a JSON body parser with the configured size limit and enveloped errors,
 * the route table (for the default-deny test and the docs), and the WebSocket endpoint /ws/chat.
 */
export async function configureGatewayHttp(app: NestFastifyApplication): Promise<void> {
  const config = app.get<NeuroForgeConfig>(SERVICE_CONFIG);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const routes = app.get(RouteTable);
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url, route.websocket === true));

  registerRequestIds(fastify);
  registerSecurityHeaders(fastify, {
    // The API serves JSON and one small HTML index; a strict policy costs nothing.
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  const origins = config.gateway.cors_origins;
  await app.register(fastifyCors as never, {
    origin: origins.includes('*') ? true : origins,
    credentials: !origins.includes('*'),
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
  });
  app.useBodyParser(
    'application/json',
    { bodyLimit: config.gateway.max_body_bytes },
    async (_request: unknown, body: Buffer) => {
      if (body.length === 0) return undefined;
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw new ApiError(
          400,
          EDGE_ERROR_CODES.invalidJson,
          `The body is not valid JSON: ${(error as Error).message}`,
        );
      }
    },
  );
  // JSON only: any other body is 415 rather than a string that fails validation further in.
  fastify.removeContentTypeParser(['text/plain']);
  app.useGlobalFilters(app.get(ErrorEnvelopeFilter));

  const chat = app.get(ChatWsHandler);
  // The WebSocket plugin lives in its own scope, so its hooks run for /ws/chat only, not on every HTTP request.
  fastify.register(async (scope) => {
    await scope.register(fastifyWebsocket, { options: { maxPayload: config.gateway.max_body_bytes } });
    scope.route({
      method: 'GET',
      url: '/ws/chat',
      preValidation: (request, reply) => chat.authenticate(request, reply),
      handler: (_request, reply) => {
        // Reached only by a plain GET without an upgrade.
        const error = new ApiError(426, 'WS.UPGRADE_REQUIRED', 'Open /ws/chat as a WebSocket.');
        reply.status(error.status).send(error.envelope());
      },
      wsHandler: (socket, request) => chat.connect(socket, request),
    });
  });
}
