import { randomBytes } from 'node:crypto';
import { loadConfig, type NeuroForgeConfig } from '@neuroforge/config';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';
import { GatewayRedis } from './redis.provider';

// Against the local stack's Redis; every subject is unique to this run and its keys expire within seconds.
function config(env: Record<string, string>): NeuroForgeConfig {
  return loadConfig({ env, cwd: '/nonexistent' });
}

const redis = new GatewayRedis(config({}));
const subject = () => `test-${randomBytes(6).toString('hex')}`;

afterAll(async () => {
  await redis.onModuleDestroy();
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
