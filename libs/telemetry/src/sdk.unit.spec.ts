import { describe, expect, it } from 'vitest';
import { instrumentationsFor } from './sdk';

// Only builds the instrumentation list; nothing is registered or patched.
const names = (options: Parameters<typeof instrumentationsFor>[0]) =>
  instrumentationsFor(options).map(
    (instrumentation) => (instrumentation as { instrumentationName: string }).instrumentationName,
  );

describe('instrumentationsFor', () => {
  it('traces ioredis commands by default, next to HTTP, gRPC, kafkajs and Mongo', () => {
    expect(names({})).toEqual([
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-grpc',
      '@opentelemetry/instrumentation-kafkajs',
      '@opentelemetry/instrumentation-mongoose',
      '@opentelemetry/instrumentation-mongodb',
      '@opentelemetry/instrumentation-ioredis',
    ]);
    expect(names({ traceRedisCommands: true })).toContain('@opentelemetry/instrumentation-ioredis');
  });

  it('leaves ioredis uninstrumented, and keeps every other instrumentation, when Redis commands are not traced', () => {
    const without = names({ traceRedisCommands: false });
    expect(without).not.toContain('@opentelemetry/instrumentation-ioredis');
    expect(without).toEqual(names({}).filter((name) => name !== '@opentelemetry/instrumentation-ioredis'));
  });
});
