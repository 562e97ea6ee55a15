import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AUTH_REDIS_PREFIX, revocationKeys } from '@neuroforge/auth-policy';
import { loadConfig } from '@neuroforge/config';
import { createLogger } from '@neuroforge/service-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../infrastructure/redis/rate-limiter';
import { GatewayRedis } from '../infrastructure/redis/redis.provider';
import { ApiError } from './api-error';
import { enforceRateLimit } from './rate-limit.guard';

// The edge's one Redis round trip, against the local stack's Redis: what a request is answered (401 for a revoked
// credential, 429 + Retry-After past a limit) and what is counted. Subjects and revocation marks are unique to the
// run, and their keys are deleted at the end.
const config = loadConfig({
  env: { NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: '12', NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '10' },
  cwd: '/nonexistent',
});
const redis = new GatewayRedis(config);
const limiter = new RateLimiter(config, redis); // 2 requests per 10 s window (long enough for a busy machine)
const logger = createLogger('rate-limit-guard-test', config, {
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});
const marks: string[] = [];

function session() {
  const id = randomBytes(6).toString('hex');
  const keys = [
    revocationKeys.session(AUTH_REDIS_PREFIX, `test-sid-${id}`),
    revocationKeys.token(AUTH_REDIS_PREFIX, `test-jti-${id}`),
  ];
  marks.push(...keys, `neuroforge:gateway:rl:req:user:test-${id}`, `neuroforge:gateway:rl:tok:user:test-${id}`);
  return { subject: `user:test-${id}`, keys, revoke: () => redis.client.set(keys[0] as string, '1', 'EX', 60) };
}

/** Runs the admission as RateLimitGuard does; the answer is the headers set, or the ApiError thrown. */
async function admit(subject: string, keys: readonly string[]) {
  const headers: Record<string, string> = {};
  try {
    await enforceRateLimit(limiter, logger, subject, false, (name, value) => (headers[name] = value), keys);
    return { status: 200, headers };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, code: error.code, headers: { ...headers, ...error.headers } };
  }
}

const counted = async (subject: string) =>
  Number((await redis.client.get(`neuroforge:gateway:rl:req:${subject}`)) ?? 0);

afterAll(async () => {
  if (marks.length) await redis.client.del(...marks);
  await redis.onApplicationShutdown();
});

describe('enforceRateLimit with revocation marks', () => {
  it('lets a valid credential through with the rate-limit headers', async () => {
    const { subject, keys } = session();
    const answer = await admit(subject, keys);
    expect(answer).toMatchObject({ status: 200, headers: { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1' } });
  });

  it('answers 401 AUTH.TOKEN_REVOKED for a revoked credential, without charging its rate limit', async () => {
    const { subject, keys, revoke } = session();
    await revoke();
    for (let i = 0; i < 3; i++) {
      const answer = await admit(subject, keys);
      expect(answer).toMatchObject({
        status: 401,
        code: 'AUTH.TOKEN_REVOKED',
        headers: { 'www-authenticate': 'Bearer' },
      });
      expect(answer.headers['x-ratelimit-remaining']).toBeUndefined();
    }
    expect(await counted(subject)).toBe(0);
  });

  it('answers 429 with Retry-After past the limit, then 401 once the credential is revoked', async () => {
    const { subject, keys, revoke } = session();
    expect((await admit(subject, keys)).status).toBe(200);
    expect((await admit(subject, keys)).status).toBe(200);
    const limited = await admit(subject, keys);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMIT.REQUESTS' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    await revoke();
    expect(await admit(subject, keys)).toMatchObject({ status: 401, code: 'AUTH.TOKEN_REVOKED' });
    expect(await counted(subject)).toBe(3);
  });

  it('answers 401 while revoked and 429 only for what was counted: the revoked attempts leave the limit whole', async () => {
    const revoked = session();
    await revoked.revoke();
    expect((await admit(revoked.subject, revoked.keys)).status).toBe(401);
    // The same user's other session: both requests of the window are still there, and the third is limited.
    const other = { ...session(), subject: revoked.subject };
    expect((await admit(other.subject, other.keys)).status).toBe(200);
    expect((await admit(other.subject, other.keys)).status).toBe(200);
    const limited = await admit(other.subject, other.keys);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMIT.REQUESTS' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
