import { randomBytes } from 'node:crypto';
import { AUTH_REDIS_PREFIX, revocationKeys } from '@neuroforge/auth-policy';
import { loadConfig, type NeuroForgeConfig } from '@neuroforge/config';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';
import { GatewayRedis } from './redis.provider';

// Against the local stack's Redis; every subject is unique to this run and its keys expire within seconds.
function config(env: Record<string, string>): NeuroForgeConfig {
  return loadConfig({ env, cwd: '/nonexistent' });
}

const redis = new GatewayRedis(config({}));
const written: string[] = [];
/** A unique subject; its counters are deleted at the end (those of 1 s windows expire anyway). */
const subject = () => {
  const who = `test-${randomBytes(6).toString('hex')}`;
  written.push(`neuroforge:gateway:rl:req:${who}`, `neuroforge:gateway:rl:tok:${who}`);
  return who;
};

/** A session's revocation marks as the gateway checks them (unique per call); `revoke` sets the session mark. */
function credential() {
  const id = randomBytes(6).toString('hex');
  const keys = [
    revocationKeys.session(AUTH_REDIS_PREFIX, `test-sid-${id}`),
    revocationKeys.token(AUTH_REDIS_PREFIX, `test-jti-${id}`),
  ];
  written.push(...keys);
  return { keys, revoke: (which = 0) => redis.client.set(keys[which] as string, '1', 'EX', 60) };
}

/** The request counter of `who` as Redis holds it (null: never counted). */
const requestCount = (who: string) => redis.client.get(`neuroforge:gateway:rl:req:${who}`);

afterAll(async () => {
  if (written.length) await redis.client.del(...written);
  await redis.onApplicationShutdown();
});

describe('RateLimiter (Redis)', () => {
  it('scales the per-minute limits to the window', () => {
    const limiter = new RateLimiter(
      config({
        NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: '600',
        NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '6000',
        NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '1',
      }),
      redis,
    );
    expect([limiter.requestLimit, limiter.tokenLimit, limiter.windowMs]).toEqual([10, 100, 1000]);
  });

  it('admits up to the request limit, refuses the next with the time left, and admits again after the window', async () => {
    const limiter = new RateLimiter(
      config({ NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: '300', NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '1' }),
      redis,
    );
    const who = subject();
    const answers = await Promise.all(Array.from({ length: 5 }, () => limiter.admit(who, false)));
    expect(answers.every((a) => a.allowed)).toBe(true);
    expect(answers.map((a) => a.remaining).sort()).toEqual([0, 1, 2, 3, 4]); // atomic: no count lost or shared
    const refused = await limiter.admit(who, false);
    expect(refused).toMatchObject({ allowed: false, limit: 'requests', resetSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await limiter.admit(who, false)).allowed).toBe(true);
  });

  it('refuses token-charging requests once the window token budget is spent', async () => {
    const limiter = new RateLimiter(
      config({ NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '600', NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '1' }),
      redis,
    );
    const who = subject();
    expect((await limiter.admit(who, true)).allowed).toBe(true);
    await limiter.chargeTokens(who, 10);
    expect(await limiter.admit(who, true)).toMatchObject({ allowed: false, limit: 'tokens' });
    // Routes that generate nothing are not held back by the token budget.
    expect((await limiter.admit(who, false)).allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await limiter.admit(who, true)).allowed).toBe(true);
  });

  it('never limits when both limits are 0', async () => {
    const limiter = new RateLimiter(
      config({ NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: '0', NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '0' }),
      redis,
    );
    const who = subject();
    await limiter.chargeTokens(who, 1_000_000);
    for (let i = 0; i < 20; i++) expect((await limiter.admit(who, true)).allowed).toBe(true);
  });
});

describe('RateLimiter token charges (gathered, one write per CHARGE_DELAY_MS)', () => {
  const tokensOf = (who: string) => redis.client.get(`neuroforge:gateway:rl:tok:${who}`);
  const limiter = new RateLimiter(
    config({ NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '6000', NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '10' }),
    redis,
  );

  it('adds every charge of every subject, summed, once the batch is sent', async () => {
    const subjects = [subject(), subject(), subject()];
    const charges = subjects.flatMap((who, i) => [1, 2, 3].map((n) => limiter.chargeTokens(who, n * (i + 1))));
    // Sent on the same connection before the batch: Redis answers it before any charge is applied.
    expect(await tokensOf(subjects[0] as string)).toBeNull();
    await Promise.all(charges);
    expect(await Promise.all(subjects.map(tokensOf))).toEqual(['6', '12', '18']);
    const ttl = await redis.client.pttl(`neuroforge:gateway:rl:tok:${subjects[0]}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('sends the pending charges when the module is destroyed', async () => {
    const who = subject();
    const charged = limiter.chargeTokens(who, 7);
    await limiter.onModuleDestroy();
    expect(await tokensOf(who)).toBe('7');
    await charged;
  });
});

describe('RateLimiter admission with revocation marks (one script)', () => {
  const limited = () =>
    new RateLimiter(
      // 3 requests per 10 s: no window ends within a test, even on a busy machine.
      config({ NEUROFORGE_GATEWAY__RATE_LIMIT_PER_MINUTE: '18', NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '10' }),
      redis,
    );

  it('admits and counts a credential with no revocation mark', async () => {
    const limiter = limited();
    const who = subject();
    const { keys } = credential();
    expect(await limiter.admit(who, true, keys)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await requestCount(who)).toBe('1');
  });

  it('refuses a revoked session or token as revoked and counts nothing', async () => {
    const limiter = limited();
    const who = subject();
    const session = credential();
    await session.revoke(0);
    const token = credential();
    await token.revoke(1);
    expect(await limiter.admit(who, true, session.keys)).toMatchObject({ allowed: false, revoked: true });
    expect(await limiter.admit(who, false, token.keys)).toMatchObject({ allowed: false, revoked: true });
    expect(await requestCount(who)).toBeNull();
    // The subject's limit is untouched: another credential of the same user still gets the whole window.
    const other = credential();
    const answers = await Promise.all([1, 2, 3].map(() => limiter.admit(who, false, other.keys)));
    expect(answers.every((a) => a.allowed)).toBe(true);
  });

  it('answers revoked, not limited, for a revoked credential of a subject over its limit', async () => {
    const limiter = limited();
    const who = subject();
    const { keys, revoke } = credential();
    for (let i = 0; i < 3; i++) expect((await limiter.admit(who, false, keys)).allowed).toBe(true);
    const refused = await limiter.admit(who, false, keys);
    expect(refused).toMatchObject({ allowed: false, limit: 'requests' });
    expect(refused.resetSeconds).toBeLessThanOrEqual(10);
    expect(refused.revoked).toBeUndefined();
    await revoke();
    expect(await limiter.admit(who, false, keys)).toMatchObject({ allowed: false, revoked: true });
    expect(await requestCount(who)).toBe('4'); // the revoked attempt was not counted
  });

  it('answers limited, with the time left, when the token budget is spent and the credential is not revoked', async () => {
    const limiter = new RateLimiter(
      config({ NEUROFORGE_GATEWAY__TOKENS_PER_MINUTE: '60', NEUROFORGE_GATEWAY__RATE_LIMIT_WINDOW_SECONDS: '10' }),
      redis,
    );
    const who = subject();
    const { keys, revoke } = credential();
    await limiter.chargeTokens(who, 10);
    const refused = await limiter.admit(who, true, keys);
    expect(refused).toMatchObject({ allowed: false, limit: 'tokens' });
    expect(refused.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.resetSeconds).toBeLessThanOrEqual(10);
    await revoke(1);
    expect(await limiter.admit(who, true, keys)).toMatchObject({ allowed: false, revoked: true });
  });

  it('loads the script again when Redis has forgotten it (NOSCRIPT after SCRIPT FLUSH or a restart)', async () => {
    const limiter = limited();
    const who = subject();
    const { keys } = credential();
    expect((await limiter.admit(who, false, keys)).allowed).toBe(true);
    // Only the gateway runs scripts on this Redis, through ioredis, which recovers the same way.
    await redis.client.script('FLUSH');
    expect(await limiter.admit(who, false, keys)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await requestCount(who)).toBe('2');
  });
});
