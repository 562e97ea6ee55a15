// The trace of the request that appended an event continues through the relay's publish and the consumer's
// handling: one request, one trace.
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventConsumer } from './event-consumer';
import { deleteTopics, dlqTopic, ensureTopics } from './kafka-topics';
import { MongoEventStore } from './mongo-event-store';
import { OutboxRelay } from './outbox-relay';
import { testDatabase, testKafka, uniqueName } from './stack.fixture';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

let db: Awaited<ReturnType<typeof testDatabase>>;
let kafka: Kafka;
let topic: string;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  db = await testDatabase();
  kafka = testKafka();
  topic = uniqueName('nf.test.models.events');
  await ensureTopics(kafka, [topic]);
});

afterAll(async () => {
  await deleteTopics(kafka, [topic, dlqTopic(topic)]).catch(() => undefined);
  await db?.drop();
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('trace context across append → relay → Kafka → consumer', () => {
  it('stores the active traceparent at append and continues it in the consumer handler', async () => {
    const store = new MongoEventStore(db.connection, { service: 'model-registry', context: 'models' });
    await store.init();
    const request = trace.getTracer('test').startSpan('POST /api/v1/models', { kind: SpanKind.SERVER });
    const requestCtx = trace.setSpan(context.active(), request);
    const stream = uniqueName('model');
    const appended = await context.with(requestCtx, () =>
      store.appendToStream(stream, [{ type: 'model_registered', data: { modelId: stream } }]),
    );
    request.end();
    const { traceId, spanId } = request.spanContext();
    expect(appended.events[0].envelope.traceparent).toBe(`00-${traceId}-${spanId}-01`);

    const relay = new OutboxRelay({ store, kafka, topic });
    expect(await relay.publishOnce()).toBe(1);
    await relay.stop();

    let seenInHandler: { traceId?: string; spanId?: string } = {};
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-trace'),
      topics: [topic],
      handlers: {
        'neuroforge.models.model_registered.v1': () => {
          seenInHandler = trace.getActiveSpan()?.spanContext() ?? {};
        },
      },
    });
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
    }

    const spans = exporter.getFinishedSpans();
    const publish = spans.find((s) => s.name === `${topic} publish`);
    const processing = spans.find((s) => s.name === `${topic} process`);
    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(processing?.kind).toBe(SpanKind.CONSUMER);
    // One trace: request → publish → process, each the parent of the next.
    expect(publish?.spanContext().traceId).toBe(traceId);
    expect(publish?.parentSpanContext?.spanId).toBe(spanId);
    expect(processing?.spanContext().traceId).toBe(traceId);
    expect(processing?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(seenInHandler.traceId).toBe(traceId);
    expect(seenInHandler.spanId).toBe(processing?.spanContext().spanId);
  }, 30_000);

  it("links a batch handler's span to the publish span of every event in the batch", async () => {
    exporter.reset();
    const batchTopic = uniqueName('nf.test.models.events');
    await ensureTopics(kafka, [batchTopic]);
    const store = new MongoEventStore(db.connection, { service: 'model-registry', context: 'models' });
    await store.init();
    const requests = await Promise.all(
      [0, 1, 2].map(async () => {
        const request = trace.getTracer('test').startSpan('POST /api/v1/models', { kind: SpanKind.SERVER });
        const stream = uniqueName('model');
        await context.with(trace.setSpan(context.active(), request), () =>
          store.appendToStream(stream, [{ type: 'model_registered', data: { modelId: stream } }]),
        );
        request.end();
        return request.spanContext().traceId;
      }),
    );
    const relay = new OutboxRelay({ store, kafka, topic: batchTopic });
    // Every unpublished commit of this database goes out in one round; the three of this test are among them.
    expect(await relay.publishOnce()).toBeGreaterThanOrEqual(3);
    await relay.stop();

    const handledIn: (string | undefined)[] = [];
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-trace'),
      topics: [batchTopic],
      handlers: { 'neuroforge.models.model_registered.v1': () => undefined },
      batchHandler: async () => {
        handledIn.push(trace.getActiveSpan()?.spanContext().spanId);
      },
    });
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
      await deleteTopics(kafka, [batchTopic, dlqTopic(batchTopic)]).catch(() => undefined);
    }

    const spans = exporter.getFinishedSpans();
    const published = spans.filter((s) => s.name === `${batchTopic} publish`);
    const batches = spans.filter((s) => s.name === `${batchTopic} process`);
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.kind).toBe(SpanKind.CONSUMER);
      // The handler ran inside the batch span.
      expect(handledIn).toContain(batch.spanContext().spanId);
    }
    // Each request's trace is reachable from a batch span through a link to its publish span.
    const linked = new Set(batches.flatMap((b) => b.links.map((l) => l.context.spanId)));
    for (const traceId of requests) {
      const publish = published.find((s) => s.spanContext().traceId === traceId);
      expect(publish, `publish span of trace ${traceId}`).toBeDefined();
      expect(linked.has(publish?.spanContext().spanId ?? '')).toBe(true);
    }
  }, 30_000);
});
