import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, toKafkaMessage } from './envelope';
import { EventConsumer } from './event-consumer';
import { dlqTopic, ensureTopics } from './kafka-topics';
import { ProcessedMarkers } from './processed-markers';
import { Projection } from './projection';
import { collectMessages, openTestBus, type TestDatabase, uniqueName } from './stack.fixture';

const TYPE = 'neuroforge.models.model_registered.v1';

let db: TestDatabase;
let kafka: Kafka;
let producer: Producer;
let close: (topics: readonly string[]) => Promise<void>;
const topics: string[] = [];

beforeAll(async () => {
  ({ db, kafka, producer, close } = await openTestBus());
});

afterAll(async () => {
  await close?.(topics);
});

let sequence = 0;
function envelope(subject: string, streamversion: number, name: string): EventEnvelope<{ name: string }> {
  sequence++;
  return {
    specversion: '1.0',
    id: `00000000-0000-4000-9000-${String(sequence).padStart(12, '0')}`,
    source: 'neuroforge/model-registry',
    type: TYPE,
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    streamversion,
    data: { name },
  };
}

const names = (collection: string) =>
  new Projection<{ names: string[] }>(db.db, 'names', collection).on<{ name: string }>(TYPE, (doc, e) => ({
    names: [...(doc?.names ?? []), e.data.name],
  }));

describe('Projection.applyBatch', () => {
  it('writes each stream once per batch with the same result as applying event by event', async () => {
    const batched = names(uniqueName('batched_view'));
    const single = names(uniqueName('single_view'));
    const events = [
      envelope('a', 1, 'a1'),
      envelope('b', 1, 'b1'),
      envelope('a', 2, 'a2'),
      envelope('a', 2, 'a2'), // duplicate delivery
      envelope('c', 1, 'c1'),
      envelope('b', 2, 'b2'),
    ];
    for (const e of events) await single.apply(e);
    expect(await batched.applyBatch(events.slice(0, 4))).toEqual({ written: 2, retried: 0 });
    expect(await batched.applyBatch(events.slice(2))).toEqual({ written: 2, retried: 0 }); // a2 again: skipped
    expect(await batched.all()).toEqual(await single.all());
    expect(await batched.get('a')).toEqual({ names: ['a1', 'a2'] });
    expect(await batched.applyBatch(events)).toEqual({ written: 0, retried: 0 }); // all duplicates
  });

  it('re-applies a stream whose document another instance changed, neither losing nor doubling an event', async () => {
    const collection = uniqueName('shared_view');
    const a = names(collection);
    const b = names(collection);
    const e = ['1', '2', '3', '4', '5'].map((n, i) => envelope('s', i + 1, n));
    const fresh = envelope('t', 1, 't1');
    await a.applyBatch([e[0], e[1]]);
    await b.applyBatch([e[1], e[2]]); // b reads the stored document (version 2) and writes version 3
    // a's remembered document (version 2) is stale: its write fails, the stream is re-applied after a re-read;
    // the other stream in the batch is written by the bulk write.
    expect(await a.applyBatch([e[2], e[3], fresh, e[4]])).toEqual({ written: 1, retried: 1 });
    expect(await a.get('s')).toEqual({ names: ['1', '2', '3', '4', '5'] });
    expect(await a.get('t')).toEqual({ names: ['t1'] });
    // A first-write race: b inserts the stream a also thinks is new.
    const u = envelope('u', 1, 'u1');
    await b.apply(u);
    expect(await a.applyBatch([u, envelope('u', 2, 'u2')])).toEqual({ written: 0, retried: 1 });
    expect(await b.get('u')).toEqual({ names: ['u1', 'u2'] });
  });
});

describe('EventConsumer with a batch handler', () => {
  it('feeds a projection a Kafka batch at a time; a poison message is still dead-lettered', async () => {
    const topic = uniqueName('nf.test.models.events');
    topics.push(topic);
    await ensureTopics(kafka, [topic, dlqTopic(topic)], { numPartitions: 2 });
    const projection = names(uniqueName('consumer_view'));
    const expected = new Map<string, string[]>();
    const envelopes: EventEnvelope[] = [];
    for (let v = 1; v <= 20; v++) {
      for (const s of ['x', 'y', 'z']) {
        envelopes.push(envelope(s, v, `${s}${v}`));
        expected.set(s, [...(expected.get(s) ?? []), `${s}${v}`]);
      }
    }
    await producer.send({ topic, messages: envelopes.slice(0, 30).map((e) => toKafkaMessage(e)) });
    await producer.send({ topic, messages: [{ key: 'x', value: 'not an event' }] });
    await producer.send({
      topic,
      messages: [...envelopes.slice(30), ...envelopes.slice(25, 30)].map((e) => toKafkaMessage(e)),
    });
    const batchSizes: number[] = [];
    const handler = projection.batchHandler();
    const markers = new ProcessedMarkers(db.db, uniqueName('processed'));
    const groupId = uniqueName('nf-test-batch');
    const consumer = new EventConsumer({
      kafka,
      groupId,
      topics: [topic],
      partitionsConsumedConcurrently: 2,
      processedMarkers: markers,
      handlers: projection.eventHandlers(),
      batchHandler: async (batch) => {
        batchSizes.push(batch.length);
        await handler(batch);
      },
    });
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
    }
    for (const [s, list] of expected) expect(await projection.get(s)).toEqual({ names: list });
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(await markers.has(groupId, envelopes[59].id)).toBe(true);
    const dead = await collectMessages(kafka, dlqTopic(topic), 1);
    expect(dead[0].message.value?.toString()).toBe('not an event');
  }, 40_000);

  it('falls back to one message at a time when the batch handler fails', async () => {
    const topic = uniqueName('nf.test.models.events');
    topics.push(topic);
    await ensureTopics(kafka, [topic, dlqTopic(topic)], { numPartitions: 1 });
    const projection = names(uniqueName('fallback_view'));
    await producer.send({
      topic,
      messages: [envelope('f', 1, 'f1'), envelope('f', 2, 'f2')].map((e) => toKafkaMessage(e)),
    });
    const failures: number[] = [];
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-fallback'),
      topics: [topic],
      handlers: projection.eventHandlers(),
      batchHandler: async () => {
        throw new Error('bulk write refused');
      },
      onBatchError: (_, info) => failures.push(info.messages),
    });
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
    }
    expect(failures.length).toBeGreaterThan(0);
    expect(await projection.get('f')).toEqual({ names: ['f1', 'f2'] });
  }, 30_000);
});
