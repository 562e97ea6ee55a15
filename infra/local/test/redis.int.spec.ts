import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from './unique';

describe('local Redis through ioredis', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  const keys: string[] = [];

  afterAll(async () => {
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('increments a counter and expires it after its TTL', async () => {
    const key = uniqueName('nf:int:counter');
    keys.push(key);

    expect(await redis.incr(key)).toBe(1);
    expect(await redis.incr(key)).toBe(2);
    expect(await redis.pexpire(key, 400)).toBe(1);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);

    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await redis.exists(key)).toBe(0);
  });

  it('reports the TTL set by EXPIRE in seconds', async () => {
    const key = uniqueName('nf:int:ttl');
    keys.push(key);
    await redis.incr(key);

    await redis.expire(key, 30);

    expect(await redis.ttl(key)).toBeGreaterThanOrEqual(29);
  });
});
