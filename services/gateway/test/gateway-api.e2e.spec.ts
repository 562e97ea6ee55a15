import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Permission, ROLE_PERMISSIONS, type Role } from '@neuroforge/auth-policy';
import { encodeWav } from '@neuroforge/ml';
import { generateKeyPair, SignJWT } from 'jose';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { authRpc, call, type ErrorBody, login, metricValue, register, type Session } from './gateway-client';
import { type GatewayStack, startGatewayStack, unique } from './gateway-stack.fixture';

// One stack for the file: auth, model registry and inference as processes, the gateway in-process. Short
// rate-limit window (2 s, 50 requests, 2000 tokens) and a 64 KiB body limit, so limits are quick to reach.
const REQUESTS_PER_WINDOW = 50;
let stack: GatewayStack;
let base: string;
let admin: Session;
let developer: Session;
let viewer: Session;
let developerKey: string;

const PUBLIC_ROUTES = new Set([
  '/health/live',
  '/health/ready',
  '/api/v1/system/health',
  '/api/docs',
  '/api/docs/openapi.json',
  '/api/v1/auth/register',
  '/api/v1/auth/login',
]);

beforeAll(async () => {
  stack = await startGatewayStack({
    NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '2',
    NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: String(REQUESTS_PER_WINDOW * 30),
    NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '60000',
    NEUROFORGE_GATEWAY__MAX_BODY_BYTES: String(64 * 1024),
  });
  base = stack.url;
  admin = await register(base, stack.adminEmail);
  const dev = await register(base, `${unique('dev')}@example.com`);
  await authRpc(stack.authAddress, 'SetUserRole', { userId: dev.userId, role: 'ROLE_DEVELOPER' }, admin.accessToken);
  developer = await login(base, dev);
  viewer = await register(base, `${unique('viewer')}@example.com`);
  const key = await call<{ secret: string }>(base, 'POST', '/api/v1/auth/api-keys', {
    token: developer.accessToken,
    body: { name: 'tests' },
  });
  developerKey = key.body.secret;
  // The model inference serves locally, registered so that listings show it.
  await call(base, 'POST', '/api/v1/models', {
    token: developer.accessToken,
    body: { name: 'tiny', architecture: 'retnet' },
  });
}, 240_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

function expectEnvelope(answer: { status: number; body: unknown }, status: number, code?: string): ErrorBody {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  const body = answer.body as ErrorBody;
  expect(body.error).toEqual({ code: expect.any(String), message: expect.any(String), details: expect.any(Object) });
  if (code) expect(body.error.code).toBe(code);
  return body;
}

describe('default deny', () => {
  it('refuses every route but health, docs, register and login without credentials (routes read from the app)', async () => {
    const routes = stack.routes.list().filter((r) => r.method !== 'OPTIONS');
    const urls = new Set(routes.map((r) => r.url));
    // The table is the app's own: it holds the routes this file knows about, and every one of them is checked.
    for (const known of ['/api/v1/models', '/api/v1/generate/stream', '/v1/chat/completions', '/ws/chat']) {
      expect(urls).toContain(known);
    }
    expect(routes.length).toBeGreaterThan(30);
    const checked: string[] = [];
    for (const route of routes) {
      const path = route.url.replace(/:(\w+)/g, 'x');
      const withBody = route.method === 'POST' || route.method === 'PUT';
      const answer = await call(base, route.method, path, withBody ? { body: {} } : {});
      if (PUBLIC_ROUTES.has(route.url)) {
        expect(answer.status, `${route.method} ${route.url}`).not.toBe(401);
        continue;
      }
      expect(answer.status, `${route.method} ${route.url} answered ${answer.status}`).toBe(401);
      if (route.method !== 'HEAD') expect((answer.body as unknown as ErrorBody).error.code).toMatch(/^AUTH\./);
      checked.push(`${route.method} ${route.url}`);
    }
    expect(checked.length).toBeGreaterThan(20);
  });

  it('refuses a garbage bearer token and an unknown API key with 401', async () => {
    expectEnvelope(await call(base, 'GET', '/api/v1/models', { token: 'not-a-jwt' }), 401, 'AUTH.TOKEN_INVALID');
    const unknownKey = await call(base, 'GET', '/api/v1/models', { token: 'nf_0000000000000000000000000000' });
    expect(unknownKey.status).toBe(401);
  });
});

describe('roles and permissions', () => {
  const cases: { permission: Permission; method: string; path: string; body?: unknown }[] = [
    { permission: 'models:read', method: 'GET', path: '/api/v1/models' },
    { permission: 'models:write', method: 'PUT', path: '/api/v1/models/no-such-model', body: { description: 'x' } },
    { permission: 'models:write', method: 'DELETE', path: '/api/v1/models/no-such-model' },
    {
      permission: 'generate',
      method: 'POST',
      path: '/api/v1/generate/text',
      body: { prompt: 'hi', model_name: 'tiny', max_tokens: 1 },
    },
    { permission: 'training:write', method: 'POST', path: '/api/v1/training/start', body: { dataset_id: 'd1' } },
    { permission: 'training:write', method: 'POST', path: '/api/v1/training/job-1/stop' },
    { permission: 'training:read', method: 'GET', path: '/api/v1/training/job-1/status' },
    { permission: 'training:read', method: 'GET', path: '/api/v1/training/job-1/events' },
    {
      permission: 'training:write',
      method: 'POST',
      path: '/api/v1/training/datasets',
      body: { name: 'd', format: 'text', content: 'x' },
    },
    { permission: 'api_keys:manage', method: 'GET', path: '/api/v1/auth/api-keys' },
    { permission: 'embeddings:read', method: 'POST', path: '/v1/embeddings', body: { model: 'tiny', input: 'x' } },
    { permission: 'models:read', method: 'GET', path: '/v1/models' },
  ];

  it('applies the shared role → permission matrix to every role and route', async () => {
    const sessions: Record<Role, Session> = { admin, developer, viewer };
    for (const role of ['admin', 'developer', 'viewer'] as const) {
      for (const c of cases) {
        const answer = await call(base, c.method, c.path, { token: sessions[role].accessToken, body: c.body });
        const label = `${role} ${c.method} ${c.path} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
        if (ROLE_PERMISSIONS[role].has(c.permission)) {
          expect([401, 403], label).not.toContain(answer.status);
          expect(answer.status, label).toBeLessThan(
            500 + (c.path.includes('training') || c.path.includes('embeddings') ? 4 : 0),
          );
        } else {
          expectEnvelope(answer, 403, 'AUTH.FORBIDDEN');
        }
      }
    }
  });

  it('narrows an API key to its scopes', async () => {
    const created = await call<{ secret: string }>(base, 'POST', '/api/v1/auth/api-keys', {
      token: developer.accessToken,
      body: { name: 'read-only', scopes: ['models:read'] },
    });
    expect(created.status).toBe(201);
    expect((await call(base, 'GET', '/api/v1/models', { token: created.body.secret })).status).toBe(200);
    const write = await call(base, 'POST', '/api/v1/models', {
      token: created.body.secret,
      body: { name: unique('m'), architecture: 'retnet' },
    });
    expectEnvelope(write, 403, 'AUTH.FORBIDDEN');
  });
});

describe('credentials', () => {
  it('refuses a token with alg none', async () => {
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = JSON.parse(Buffer.from(viewer.accessToken.split('.')[1] ?? '', 'base64url').toString());
    const none = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    expectEnvelope(await call(base, 'GET', '/api/v1/models', { token: none }), 401, 'AUTH.TOKEN_INVALID');
  });

  it('refuses a token signed by another key under the real kid', async () => {
    const header = JSON.parse(Buffer.from(viewer.accessToken.split('.')[0] ?? '', 'base64url').toString());
    const claims = JSON.parse(Buffer.from(viewer.accessToken.split('.')[1] ?? '', 'base64url').toString());
    const { privateKey } = await generateKeyPair('EdDSA');
    const forged = await new SignJWT({ ...claims, role: 'admin' }).setProtectedHeader(header).sign(privateKey);
    expectEnvelope(await call(base, 'GET', '/api/v1/models', { token: forged }), 401, 'AUTH.TOKEN_INVALID');
  });

  it('refuses an expired token', async () => {
    const answer = await authRpc<{ tokens: { accessToken: string } }>(stack.shortAuth.grpcAddress, 'Login', {
      email: viewer.email,
      password: viewer.password,
    });
    const token = answer.tokens.accessToken;
    expect((await call(base, 'GET', '/api/v1/models', { token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2600)); // 1 s lifetime + 1 s clock tolerance
    expectEnvelope(await call(base, 'GET', '/api/v1/models', { token }), 401, 'AUTH.TOKEN_EXPIRED');
  });

  it('revokes the whole session when a refresh token is reused', async () => {
    const session = await register(base, `${unique('reuse')}@example.com`);
    const first = await call<{ tokens: { access_token: string; refresh_token: string } }>(
      base,
      'POST',
      '/api/v1/auth/refresh',
      {
        body: { refresh_token: session.refreshToken },
      },
    );
    expect(first.status).toBe(200);
    const reuse = await call(base, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: session.refreshToken } });
    expectEnvelope(reuse, 401);
    // The rotated token of the same family is dead too, and so is its access token.
    const rotated = await call(base, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: first.body.tokens.refresh_token },
    });
    expectEnvelope(rotated, 401);
    const access = await call(base, 'GET', '/api/v1/models', { token: first.body.tokens.access_token });
    expectEnvelope(access, 401);
  });

  it('stops accepting a revoked API key at once', async () => {
    const created = await call<{ secret: string; api_key: { id: string } }>(base, 'POST', '/api/v1/auth/api-keys', {
      token: developer.accessToken,
      body: { name: 'short-lived' },
    });
    expect((await call(base, 'GET', '/api/v1/models', { token: created.body.secret })).status).toBe(200);
    const revoked = await call(base, 'DELETE', `/api/v1/auth/api-keys/${created.body.api_key.id}`, {
      token: developer.accessToken,
    });
    expect(revoked.status).toBe(200);
    expect((await call(base, 'GET', '/api/v1/models', { token: created.body.secret })).status).toBe(401);
  });

  it('logs out by refresh token', async () => {
    const session = await register(base, `${unique('logout')}@example.com`);
    const out = await call<{ revoked_sessions: number }>(base, 'POST', '/api/v1/auth/logout', {
      body: { refresh_token: session.refreshToken },
    });
    expect(out.status).toBe(200);
    expect(out.body.revoked_sessions).toBe(1);
    expectEnvelope(
      await call(base, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: session.refreshToken } }),
      401,
    );
  });

  it("refuses a logged-out session's access token with 401 at once, on allowed and forbidden routes alike", async () => {
    const session = await register(base, `${unique('revoked')}@example.com`);
    expect((await call(base, 'GET', '/api/v1/models', { token: session.accessToken })).status).toBe(200);
    const forbidden = () =>
      call(base, 'POST', '/api/v1/models', {
        token: session.accessToken,
        body: { name: unique('m'), architecture: 'retnet' },
      });
    expectEnvelope(await forbidden(), 403, 'AUTH.FORBIDDEN');
    await call(base, 'POST', '/api/v1/auth/logout', { body: { refresh_token: session.refreshToken } });
    // Checked in the admission script on allowed routes, before the permission answer on forbidden ones.
    expectEnvelope(
      await call(base, 'GET', '/api/v1/models', { token: session.accessToken }),
      401,
      'AUTH.TOKEN_REVOKED',
    );
    expectEnvelope(await forbidden(), 401, 'AUTH.TOKEN_REVOKED');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the limit and recovers after the window', async () => {
    const session = await register(base, `${unique('limited')}@example.com`);
    const get = () => call(base, 'GET', '/api/v1/system/metrics', { token: session.accessToken });
    const statuses: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, get))).map((a) => a.status));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(REQUESTS_PER_WINDOW);
    const refused = await get();
    expectEnvelope(refused, 429, 'RATE_LIMIT.REQUESTS');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await get()).status).toBe(200);
  });
});

describe('validation and errors', () => {
  const generate = (body: unknown, raw?: string, headers?: Record<string, string>) =>
    call(base, 'POST', '/api/v1/generate/text', { token: viewer.accessToken, body, rawBody: raw, headers });

  it('answers malformed JSON with 400 REQUEST.INVALID_JSON', async () => {
    expectEnvelope(await generate(undefined, '{"prompt": "hi",'), 400, 'REQUEST.INVALID_JSON');
  });

  it('names the field and the rule for wrong types', async () => {
    const answer = expectEnvelope(
      await generate({ prompt: 'hi', model_name: 'tiny', max_tokens: 'many', temperature: -1 }),
      400,
      'REQUEST.VALIDATION_FAILED',
    );
    const fields = (answer.error.details.fields as { field: string; rule: string }[]).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['max_tokens', 'temperature']));
  });

  it('refuses unknown fields, oversized bodies and non-JSON bodies with 4xx', async () => {
    expectEnvelope(await generate({ prompt: 'hi', model_name: 'tiny', bogus: 1 }), 400, 'REQUEST.VALIDATION_FAILED');
    const huge = JSON.stringify({ prompt: 'x'.repeat(70 * 1024), model_name: 'tiny' });
    expectEnvelope(await generate(undefined, huge), 413, 'REQUEST.BODY_TOO_LARGE');
    expectEnvelope(
      await generate(undefined, 'hello', { 'content-type': 'text/plain' }),
      415,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers an unknown model with 404 and the inference error code', async () => {
    const answer = expectEnvelope(await generate({ prompt: 'hi', model_name: 'no-such-model', max_tokens: 1 }), 404);
    expect(answer.error.code).toMatch(/^[A-Z_]+\.[A-Z_]+$/);
    const chat = await call(base, 'POST', '/v1/chat/completions', {
      token: viewer.accessToken,
      body: { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] },
    });
    expectEnvelope(chat, 404);
  });

  it('answers an unknown route with 404 and echoes x-request-id', async () => {
    const answer = await call(base, 'GET', '/api/v1/nope', {
      token: viewer.accessToken,
      headers: { 'x-request-id': 'req-42' },
    });
    expectEnvelope(answer, 404, 'REQUEST.ROUTE_NOT_FOUND');
    expect(answer.headers.get('x-request-id')).toBe('req-42');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff'); // helmet
  });

  it('allows CORS for the configured origin only', async () => {
    const preflight = (origin: string) =>
      call(base, 'OPTIONS', '/api/v1/models', {
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('http://127.0.0.1:8000');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8000');
    const other = await preflight('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a multimodal request without any input, naming the field', async () => {
    const answer = expectEnvelope(
      await call(base, 'POST', '/api/v1/generate/multimodal', {
        token: viewer.accessToken,
        body: { model_name: 'tiny' },
      }),
      400,
      'REQUEST.VALIDATION_FAILED',
    );
    expect(answer.error.details.fields).toEqual([expect.objectContaining({ field: 'prompt' })]);
  });

  it('serves the committed OpenAPI document at /api/docs/openapi.json without credentials', async () => {
    const served = await call(base, 'GET', '/api/docs/openapi.json');
    expect(served.status).toBe(200);
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/api/openapi.json'), 'utf8'));
    expect(served.body).toEqual(committed);
    expect((await call(base, 'GET', '/api/docs')).status).toBe(200);
  });

  it('answers 503 TRAINING.UNAVAILABLE and EMBEDDINGS.UNAVAILABLE while those services are down', async () => {
    const start = await call(base, 'POST', '/api/v1/training/start', {
      token: developer.accessToken,
      body: { dataset_id: 'd1' },
    });
    expectEnvelope(start, 503, 'TRAINING.UNAVAILABLE');
    const embed = await call(base, 'POST', '/v1/embeddings', {
      token: viewer.accessToken,
      body: { model: 'tiny', input: 'x' },
    });
    expectEnvelope(embed, 503, 'EMBEDDINGS.UNAVAILABLE');
  });
});

describe('generation over REST', () => {
  it('answers /generate/text with exactly the documented fields', async () => {
    const answer = await call<Record<string, unknown>>(base, 'POST', '/api/v1/generate/text', {
      token: viewer.accessToken,
      body: { prompt: 'Hello', model_name: 'tiny', max_tokens: 4, temperature: 0 },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(
      ['generated_text', 'generation_time', 'model_name', 'timestamp', 'tokens_generated'].sort(),
    );
    expect(answer.body.model_name).toBe('tiny');
    expect(answer.body.tokens_generated).toBeGreaterThan(0);
  });

  it('streams /generate/stream as token events and one end event', async () => {
    const answer = await call<string>(base, 'POST', '/api/v1/generate/stream', {
      token: viewer.accessToken,
      body: { prompt: 'Hello', model_name: 'tiny', max_tokens: 4, temperature: 0 },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
    const events = String(answer.body).trim().split('\n\n');
    expect(events.at(-1)).toMatch(/^event: end\ndata: /);
    expect(events.filter((e) => e.startsWith('event: token')).length).toBeGreaterThan(0);
    const end = JSON.parse(events.at(-1)?.split('data: ')[1] ?? '{}');
    expect(end).toMatchObject({ model_name: 'tiny', finish_reason: expect.any(String) });
  });

  it('generates from an image and audio with /generate/multimodal, and names a bad image', async () => {
    const image = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#d02020' } })
      .png()
      .toBuffer();
    const tone = Float32Array.from({ length: 2048 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 900 * i) / 16000));
    const audio = Buffer.from(encodeWav(tone, 16000));
    const answer = await call<Record<string, unknown>>(base, 'POST', '/api/v1/generate/multimodal', {
      token: viewer.accessToken,
      body: {
        model_name: 'mm',
        prompt: 'Caption:',
        image: image.toString('base64'),
        audio: audio.toString('base64'),
        max_tokens: 5,
        temperature: 0,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ model_name: 'mm', tokens_generated: 5, generated_text: expect.any(String) });

    const bad = expectEnvelope(
      await call(base, 'POST', '/api/v1/generate/multimodal', {
        token: viewer.accessToken,
        body: { model_name: 'mm', prompt: 'x', image: Buffer.from('not a picture').toString('base64'), max_tokens: 2 },
      }),
      400,
      'INFERENCE.INVALID_MEDIA',
    );
    expect(bad.error.message).toMatch(/^inputs\[0\]\.image: not a PNG\/JPEG\/WebP image/);
  });
});

describe('OpenAI compatibility (official openai client)', () => {
  const client = () => new OpenAI({ apiKey: developerKey, baseURL: `${base}/v1`, maxRetries: 0 });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client().models.list()) ids.push(model.id);
    expect(ids).toContain('tiny');
  });

  it('completes a chat', async () => {
    const completion = await client().chat.completions.create({
      model: 'tiny',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 5,
      temperature: 0,
    });
    expect(completion.object).toBe('chat.completion');
    expect(typeof completion.choices[0]?.message.content).toBe('string');
    expect(['stop', 'length']).toContain(completion.choices[0]?.finish_reason);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams a chat with a final usage chunk', async () => {
    const stream = await client().chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 5,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('completes text with /v1/completions', async () => {
    const completion = await client().completions.create({
      model: 'tiny',
      prompt: 'Once',
      max_tokens: 3,
      temperature: 0,
    });
    expect(completion.object).toBe('text_completion');
    expect(typeof completion.choices[0]?.text).toBe('string');
  });
});

describe('WebSocket /ws/chat', () => {
  const wsUrl = () => `${base.replace('http', 'ws')}/ws/chat`;

  function open(token: string): Promise<{
    ws: WebSocket;
    next: (pred?: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl()}?token=${encodeURIComponent(token)}`);
      const queue: Record<string, unknown>[] = [];
      const waiters: { pred: (m: Record<string, unknown>) => boolean; done: (m: Record<string, unknown>) => void }[] =
        [];
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString());
        const i = waiters.findIndex((w) => w.pred(message));
        if (i >= 0) waiters.splice(i, 1)[0]?.done(message);
        else queue.push(message);
      });
      const next = (pred: (m: Record<string, unknown>) => boolean = () => true) =>
        new Promise<Record<string, unknown>>((done, fail) => {
          const i = queue.findIndex(pred);
          if (i >= 0) return done(queue.splice(i, 1)[0] as Record<string, unknown>);
          waiters.push({ pred, done });
          setTimeout(() => fail(new Error('no WebSocket message in time')), 15_000);
        });
      ws.once('open', () => resolve({ ws, next }));
      ws.once('error', reject);
    });
  }

  it('refuses an unauthenticated upgrade with 401', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl());
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it('answers ping with pong and a malformed frame with an error, staying open', async () => {
    const { ws, next } = await open(viewer.accessToken);
    ws.send(JSON.stringify({ type: 'ping', id: 'p1' }));
    expect(await next()).toMatchObject({ type: 'pong', id: 'p1' });
    ws.send('{not json');
    expect(await next()).toMatchObject({ type: 'error', error: { code: 'REQUEST.INVALID_JSON' } });
    ws.send(JSON.stringify({ type: 'chat', id: 'c0', model: 'tiny', messages: [] }));
    expect(await next()).toMatchObject({ type: 'error', id: 'c0', error: { code: 'REQUEST.VALIDATION_FAILED' } });
    ws.send(JSON.stringify({ type: 'ping', id: 'p2' }));
    expect(await next()).toMatchObject({ type: 'pong', id: 'p2' });
    ws.close();
  });

  it('streams two chats on one connection, each by its id', async () => {
    const { ws, next } = await open(viewer.accessToken);
    for (const id of ['a', 'b']) {
      ws.send(
        JSON.stringify({ type: 'chat', id, model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }),
      );
    }
    for (const id of ['a', 'b']) {
      const chunk = await next((m) => m.id === id && m.done === false);
      expect(chunk).toMatchObject({ type: 'chat_response', id, delta: expect.any(String) });
      const final = await next((m) => m.id === id && m.done === true);
      expect(final).toMatchObject({
        type: 'chat_response',
        id,
        model_name: 'tiny',
        tokens_generated: expect.any(Number),
      });
    }
    ws.close();
  });

  it('streams a multimodal message from an image and audio, and names a bad image by its id', async () => {
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#2040d0' } })
      .png()
      .toBuffer();
    const tone = Float32Array.from({ length: 2048 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000));
    const { ws, next } = await open(viewer.accessToken);
    ws.send(
      JSON.stringify({
        type: 'multimodal',
        id: 'mm1',
        model: 'mm',
        prompt: 'Caption:',
        image: image.toString('base64'),
        audio: Buffer.from(encodeWav(tone, 16000)).toString('base64'),
        max_tokens: 4,
        temperature: 0,
      }),
    );
    expect(await next((m) => m.id === 'mm1' && m.done === false)).toMatchObject({
      type: 'chat_response',
      delta: expect.any(String),
    });
    expect(await next((m) => m.id === 'mm1' && m.done === true)).toMatchObject({
      type: 'chat_response',
      model_name: 'mm',
      tokens_generated: 4,
      text: expect.any(String),
    });
    ws.send(
      JSON.stringify({ type: 'multimodal', id: 'mm2', model: 'mm', image: Buffer.from('nope').toString('base64') }),
    );
    const refused = await next((m) => m.id === 'mm2');
    expect(refused).toMatchObject({ type: 'error', error: { code: 'INFERENCE.INVALID_MEDIA' } });
    expect((refused.error as { message: string }).message).toMatch(/inputs\[0\]\.image/);
    ws.send(JSON.stringify({ type: 'ping', id: 'after' }));
    expect(await next((m) => m.id === 'after')).toMatchObject({ type: 'pong' });
    ws.close();
  });

  it('cancels the upstream generation when the connection closes', async () => {
    const inferenceMetrics = async () => (await fetch(stack.inference.url('/metrics'))).text();
    const before = metricValue(await inferenceMetrics(), 'neuroforge_inference_generation_tokens_total');
    const { ws, next } = await open(viewer.accessToken);
    ws.send(
      JSON.stringify({ type: 'generate', id: 'long', model: 'tiny', prompt: 'Tell me everything', max_tokens: 256 }),
    );
    await next((m) => m.id === 'long' && m.done === false);
    ws.close();
    // The gateway cancelled its gRPC stream, and inference stopped generating well short of 256 tokens.
    await expect
      .poll(
        async () =>
          metricValue(
            await (
              await fetch(`${base}/api/v1/system/metrics`, {
                headers: { authorization: `Bearer ${viewer.accessToken}` },
              })
            ).text(),
            'neuroforge_gateway_ws_cancelled_generations_total',
            'disconnect',
          ),
        { timeout: 5000 },
      )
      .toBeGreaterThanOrEqual(1);
    await expect
      .poll(async () => metricValue(await inferenceMetrics(), 'neuroforge_inference_requests_running'), {
        timeout: 5000,
      })
      .toBe(0);
    const generated = metricValue(await inferenceMetrics(), 'neuroforge_inference_generation_tokens_total') - before;
    expect(generated).toBeLessThan(256);
  });
});
