import { defaultConfig, type NeuroForgeConfig } from '@neuroforge/config';
import { context, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  StackContextManager,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger';

// A real tracer provider and context manager (no SDK auto-instrumentation needed for the logger).
const provider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
});
const contextManager = new StackContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

function capture(config: NeuroForgeConfig = defaultConfig()) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('inference', config, {
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('adds trace_id and span_id of the active span', () => {
    const { logger, lines } = capture();
    const tracer = provider.getTracer('test');
    let ids: { traceId: string; spanId: string } | undefined;
    tracer.startActiveSpan('work', (span) => {
      ids = span.spanContext();
      logger.info('inside');
      logger.child({ component: 'scheduler' }).warn('child inside');
      span.end();
    });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.trace_id).toBe(ids?.traceId);
      expect(line.span_id).toBe(ids?.spanId);
    }
    expect(lines[1]?.component).toBe('scheduler');
  });

  it('has no trace fields outside a span', () => {
    const { logger, lines } = capture();
    logger.info('outside');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });

  it('writes JSON with level word, ISO time, service and message', () => {
    const { logger, lines } = capture();
    logger.info({ model: 'retnet-default' }, 'loaded');
    expect(lines[0]).toMatchObject({ level: 'info', service: 'inference', name: 'inference', msg: 'loaded' });
    expect(lines[0]?.model).toBe('retnet-default');
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });

  it('takes its level from system.log_level', () => {
    const config = defaultConfig();
    config.system.log_level = 'warn';
    const { logger, lines } = capture(config);
    logger.info('dropped');
    logger.warn('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
    expect(logger.level).toBe('warn');
  });

  it('redacts credentials', () => {
    const { logger, lines } = capture();
    logger.info({ user: { password: 'hunter2' }, headers: { authorization: 'Bearer abc' } }, 'login');
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
    expect(JSON.stringify(lines[0])).not.toContain('Bearer abc');
  });

  it('trace ids follow the span a trace.setSpan context names', () => {
    const { logger, lines } = capture();
    const span = provider.getTracer('test').startSpan('detached');
    context.with(trace.setSpan(context.active(), span), () => logger.info('x'));
    span.end();
    expect(lines[0]?.span_id).toBe(span.spanContext().spanId);
  });
});
