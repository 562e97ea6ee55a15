import type { NeuroForgeConfig } from '@neuroforge/config';
import type { DependencyCheck } from '../readiness/dependency-check';
import { KafkaCheck } from './kafka.check';
import { MongoCheck } from './mongo.check';
import { PostgresCheck } from './postgres.check';
import { RedisCheck } from './redis.check';

export { KafkaCheck } from './kafka.check';
export { MongoCheck } from './mongo.check';
export { PostgresCheck } from './postgres.check';
export { RedisCheck } from './redis.check';

export type DependencyName = 'kafka' | 'mongo' | 'redis' | 'postgres';

/** Builds the checks a service names, pointed at the stack from its configuration. */
export function dependencyChecks(
  names: readonly DependencyName[],
  stack: NeuroForgeConfig['stack'],
  clientId: string,
  timeoutMs = 1000,
): DependencyCheck[] {
  return names.map((name) => {
    switch (name) {
      case 'kafka':
        return new KafkaCheck(stack.kafka_brokers, clientId, timeoutMs);
      case 'mongo':
        return new MongoCheck(stack.mongo_url, timeoutMs);
      case 'redis':
        return new RedisCheck(stack.redis_url, timeoutMs);
      case 'postgres':
        return new PostgresCheck(stack.postgres_url, timeoutMs);
      default: {
        const unknown: never = name;
        throw new Error(`unknown dependency ${String(unknown)}`);
      }
    }
  });
}
