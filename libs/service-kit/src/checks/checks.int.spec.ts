import { afterEach, describe, expect, it } from 'vitest';
import type { DependencyCheck } from '../readiness/dependency-check';
import { checkDependencies } from '../readiness/readiness';
import { freePort } from '../testing/service-process';
import { KafkaCheck } from './kafka.check';
import { MongoCheck } from './mongo.check';
import { PostgresCheck } from './postgres.check';
import { RedisCheck } from './redis.check';

// The local stack's real servers, and the same checks pointed at a port where nothing listens.
const stack = {
  kafka: (port = 9092) => new KafkaCheck([`127.0.0.1:${port}`], 'neuroforge-kit-int-test'),
  mongo: (port = 27017) => new MongoCheck(`mongodb://127.0.0.1:${port}/neuroforge_kit_int_test`),
  redis: (port = 6379) => new RedisCheck(`redis://127.0.0.1:${port}`),
  postgres: (port = 5432) => new PostgresCheck(`postgres://postgres@127.0.0.1:${port}/postgres`),
};

describe('dependency checks against the local stack', () => {
  const opened: DependencyCheck[] = [];
  const open = (check: DependencyCheck) => {
    opened.push(check);
    return check;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  it.each(Object.keys(stack) as (keyof typeof stack)[])('%s answers when its server is up', async (name) => {
    const check = open(stack[name]());
    const [status] = await checkDependencies([check], 5000);
    expect(status).toMatchObject({ name, ok: true });
    // A second check reuses the connection and still answers.
    const [again] = await checkDependencies([check], 1500);
    expect(again?.ok).toBe(true);
  });

  it.each(Object.keys(stack) as (keyof typeof stack)[])(
    '%s fails within 1.5 s with a reason when nothing listens',
    async (name) => {
      const check = open(stack[name](await freePort()));
      const started = performance.now();
      const [status] = await checkDependencies([check], 1500);
      expect(performance.now() - started).toBeLessThan(1700);
      expect(status?.ok).toBe(false);
      expect(status?.error).toMatch(/ECONNREFUSED|did not answer|connect|Connection/i);
    },
  );
});
