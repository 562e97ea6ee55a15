import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerSecurityHeaders, securityHeaders } from './security-headers';

const STRICT = { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } };

describe('securityHeaders', () => {
  it("computes helmet's headers for the options once", () => {
    const headers = securityHeaders(STRICT);
    // helmet's default directives, with these two replaced.
    expect(headers['content-security-policy']).toMatch(/^default-src 'none';.*frame-ancestors 'none';/);
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(Object.isFrozen(headers)).toBe(true);
  });

  it('follows the options (a header turned off is not set)', () => {
    const headers = securityHeaders({ ...STRICT, xFrameOptions: false, strictTransportSecurity: { maxAge: 60 } });
    expect(headers['x-frame-options']).toBeUndefined();
    expect(headers['strict-transport-security']).toBe('max-age=60; includeSubDomains');
  });

  it('sets them on every response of a Fastify instance, and lets a route override one', async () => {
    const fastify = Fastify();
    registerSecurityHeaders(fastify, STRICT);
    fastify.get('/plain', async () => ({ ok: true }));
    fastify.get('/framed', async (_request, reply) => reply.header('x-frame-options', 'DENY').send({ ok: true }));
    const plain = await fastify.inject({ method: 'GET', url: '/plain' });
    const missing = await fastify.inject({ method: 'GET', url: '/nowhere' });
    const framed = await fastify.inject({ method: 'GET', url: '/framed' });
    await fastify.close();
    expect(plain.headers['content-security-policy']).toBe(securityHeaders(STRICT)['content-security-policy']);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
    expect(framed.headers['x-frame-options']).toBe('DENY');
  });
});
