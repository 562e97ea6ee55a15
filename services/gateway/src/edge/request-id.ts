import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's `x-request-id` when it is sane, else a new UUID; echoed on the response. */
    requestId: string;
  }
}

const SANE_ID = /^[\w.:-]{1,128}$/;

/** Gives every request an id (`x-request-id` in and out), before anything else can fail. */
export function registerRequestIds(fastify: FastifyInstance): void {
  fastify.decorateRequest('requestId', '');
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-request-id'];
    request.requestId = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
    reply.header('x-request-id', request.requestId);
    done();
  });
}
