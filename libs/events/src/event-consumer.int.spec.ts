import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from './command-handler';
import { type EventEnvelope, headersAsText, toKafkaMessage } from './envelope';
import { EventConsumer, type MessageInfo } from './event-consumer';
import { dlqTopic, ensureTopics } from './kafka-topics';
import { type ModelEvent, modelDecider } from './model.fixture';
import { MongoEventStore } from './mongo-event-store';
import { OutboxRelay } from './outbox-relay';
import { ProcessedMarkers } from './processed-markers';
import { Projection, rebuildProjection } from './projection';
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

async function freshTopic(partitions = 1): Promise<string> {
  const topic = uniqueName('nf.test.models.events');
  topics.push(topic);
  await ensureTopics(kafka, [topic, dlqTopic(topic)], { numPartitions: partitions });
  return topic;
}

let sequence = 0;
function envelope(subject: string, streamversion: number, data: Record<string, unknown>): EventEnvelope {
  sequence++;
  return {
    specversion: '1.0',
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    source: 'neuroforge/model-registry',
    type: TYPE,
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    streamversion,
    data,
  };
}

async function publish(topic: string, envelopes: EventEnvelope[]): Promise<void> {
  await producer.send({ topic, messages: envelopes.map((e) => toKafkaMessage(e)) });
}

describe('EventConsumer', () => {
  it('retries with backoff, dead-letters a poison message with its error, and moves on', async () => {
    const topic = await freshTopic();
    const handled: string[] = [];
    const attempts: number[] = [];
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-dlq'),
      topics: [topic],
      maxAttempts: 3,
      backoff: { initialMs: 20 },
      handlers: {
        [TYPE]: (e: EventEnvelope<{ name: string }>, info: MessageInfo) => {
          if (e.data.name === 'poison') {
            attempts.push(info.attempt);
            throw new Error('cannot handle poison');
          }
          handled.push(e.data.name);
        },
      },
    });
    await publish(topic, [
      envelope('m1', 1, { name: 'first' }),
      envelope('m2', 1, { name: 'poison' }),
      envelope('m3', 1, { name: 'after' }),
    ]);
    // Not a CloudEvent at all: dead-lettered at once, without retries.
    await producer.send({ topic, messages: [{ key: 'junk', value: 'not an event' }] });
    await publish(topic, [envelope('m4', 1, { name: 'last' })]);
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
    }
    expect(handled).toEqual(['first', 'after', 'last']);
    expect(attempts).toEqual([1, 2, 3]);

    const dead = await collectMessages(kafka, dlqTopic(topic), 2);
    const poison = headersAsText(dead[0].message.headers);
    expect(JSON.parse(dead[0].message.value?.toString() ?? '')).toEqual({ name: 'poison' });
    expect(poison).toMatchObject({
      dlq_error_message: 'cannot handle poison',
      dlq_attempts: '3',
      dlq_original_topic: topic,
      dlq_original_partition: '0',
      dlq_original_offset: '1',
      ce_type: TYPE, // the original envelope travels along, so the message can be replayed
    });
    expect(poison.dlq_error_stack).toContain('cannot handle poison');
    const junk = headersAsText(dead[1].message.headers);
    expect(junk).toMatchObject({ dlq_attempts: '1', dlq_original_offset: '3' });
    expect(junk.dlq_error_message).toMatch(/not a binary-mode CloudEvent/);
  }, 40_000);

  it('a handler that fails twice then succeeds is handled once, not dead-lettered', async () => {
    const topic = await freshTopic();
    let calls = 0;
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-retry'),
      topics: [topic],
      backoff: { initialMs: 10 },
      handlers: {
        [TYPE]: () => {
          calls++;
          if (calls < 3) throw new Error('transient');
        },
      },
    });
    await publish(topic, [envelope('m1', 1, { name: 'flaky' })]);
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
    }
    expect(calls).toBe(3);
    const admin = kafka.admin();
    await admin.connect();
    const [dlqOffsets] = await admin.fetchTopicOffsets(dlqTopic(topic));
    await admin.disconnect();
    expect(dlqOffsets.high).toBe('0');
  }, 30_000);

  it('with processed markers, a duplicate delivery of the same event has no effect', async () => {
    const topic = await freshTopic();
    const markers = new ProcessedMarkers(db.db, uniqueName('processed'));
    await markers.init();
    const seen: string[] = [];
    const groupId = uniqueName('nf-test-idem');
    const consumer = new EventConsumer({
      kafka,
      groupId,
      topics: [topic],
      processedMarkers: markers,
      handlers: { [TYPE]: (e) => void seen.push(e.id) },
    });
    const once = envelope('m1', 1, { name: 'a' });
    const other = envelope('m2', 1, { name: 'b' });
    await publish(topic, [once, once, other, once]);
    await consumer.start();
    try {
      await consumer.waitForCatchUp(20_000);
    } finally {
      await consumer.stop();
    }
    expect(seen).toEqual([once.id, other.id]);
    expect(await markers.has(groupId, once.id)).toBe(true);
  }, 30_000);

  it('commits offsets only after handling: a restarted group resumes after the last handled message', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('nf-test-resume');
    const seen: string[] = [];
    const make = () =>
      new EventConsumer({
        kafka,
        groupId,
        topics: [topic],
        handlers: { [TYPE]: (e: EventEnvelope<{ name: string }>) => void seen.push(e.data.name) },
      });
    await publish(topic, [envelope('m1', 1, { name: 'one' }), envelope('m2', 1, { name: 'two' })]);
    const first = make();
    await first.start();
    await first.waitForCatchUp(20_000);
    await first.stop();
    await publish(topic, [envelope('m3', 1, { name: 'three' })]);
    const second = make();
    await second.start();
    await second.waitForCatchUp(20_000);
    await second.stop();
    expect(seen).toEqual(['one', 'two', 'three']);
  }, 40_000);
});

describe('Projection', () => {
  it('rebuilding from offset 0 with a fresh group gives the same read model', async () => {
    const topic = await freshTopic(3);
    const store = new MongoEventStore(db.connection, {
      service: 'model-registry',
      context: 'models',
      collection: uniqueName('events'),
    });
    await store.init();
    const now = '2025-01-01T00:00:00.000Z';
    const ids = Array.from({ length: 5 }, () => uniqueName('model'));
    for (const id of ids) {
      await handleCommand(store, modelDecider, id, { type: 'register_model', data: { modelId: id, name: id, now } });
      for (let i = 0; i < 3; i++) {
        await handleCommand(store, modelDecider, id, {
          type: 'add_version',
          data: { modelId: id, artifactUri: `s3://${id}/${i}`, now },
        });
      }
    }
    await handleCommand(store, modelDecider, ids[0], { type: 'archive_model', data: { modelId: ids[0], now } });
    const relay = new OutboxRelay({ store, kafka, topic });
    while ((await relay.publishOnce()) > 0);
    await relay.stop();

    type View = { name: string; status: string; latest: number };
    const projection = new Projection<View>(store.db, 'models', uniqueName('models_view'))
      .on<Extract<ModelEvent, { type: 'model_registered' }>['data']>(
        'neuroforge.models.model_registered.v1',
        (_, e) => ({ name: e.data.name, status: 'active', latest: 0 }),
      )
      .on<Extract<ModelEvent, { type: 'version_added' }>['data']>('neuroforge.models.version_added.v1', (doc, e) => ({
        name: doc?.name ?? '',
        status: doc?.status ?? 'active',
        latest: e.data.version,
      }))
      .on('neuroforge.models.model_archived.v1', (doc) => ({
        name: doc?.name ?? '',
        status: 'archived',
        latest: doc?.latest ?? 0,
      }));

    const live = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-live'),
      topics: [topic],
      handlers: projection.eventHandlers(),
    });
    await live.start();
    await live.waitForCatchUp(20_000);
    await live.stop();
    const before = await projection.all();
    expect(before).toHaveLength(5);
    expect(before.find((d) => d.id === ids[0])).toMatchObject({
      version: 5,
      document: { status: 'archived', latest: 3 },
    });
    expect(before.find((d) => d.id === ids[1])).toMatchObject({
      version: 4,
      document: { status: 'active', latest: 3 },
    });

    await projection.collection.updateOne({ _id: ids[1] }, { $set: { name: 'corrupted' } });
    await rebuildProjection(projection, { kafka, topics: [topic], timeoutMs: 20_000 });
    expect(await projection.all()).toEqual(before);
  }, 60_000);

  it('ignores duplicate and stale deliveries by stream version', async () => {
    const projection = new Projection<{ names: string[] }>(db.db, 'names', uniqueName('names_view')).on<{
      name: string;
    }>(TYPE, (doc, e) => ({ names: [...(doc?.names ?? []), e.data.name] }));
    const v1 = envelope('s1', 1, { name: 'a' });
    const v2 = envelope('s1', 2, { name: 'b' });
    expect(await projection.apply(v1)).toBe('applied');
    expect(await projection.apply(v2)).toBe('applied');
    expect(await projection.apply(v1)).toBe('duplicate');
    expect(await projection.apply(v2)).toBe('duplicate');
    expect(await projection.apply({ ...v1, type: 'neuroforge.models.other.v1' })).toBe('ignored');
    expect(await projection.get('s1')).toEqual({ names: ['a', 'b'] });
  });

  it('two instances writing one document (as during a rebalance) neither lose nor double an event', async () => {
    const collection = uniqueName('shared_view');
    const make = () =>
      new Projection<{ names: string[] }>(db.db, 'names', collection).on<{ name: string }>(TYPE, (doc, e) => ({
        names: [...(doc?.names ?? []), e.data.name],
      }));
    const a = make();
    const b = make();
    const events = ['a', 'b', 'c', 'd'].map((name, i) => envelope('s2', i + 1, { name }));
    expect(await a.apply(events[0])).toBe('applied');
    expect(await a.apply(events[1])).toBe('applied');
    expect(await b.apply(events[1])).toBe('duplicate'); // b has no cache: reads the stored version
    expect(await b.apply(events[2])).toBe('applied');
    expect(await a.apply(events[2])).toBe('duplicate'); // a's cached view is stale: its write fails, it re-reads
    expect(await a.apply(events[3])).toBe('applied');
    expect(await b.get('s2')).toEqual({ names: ['a', 'b', 'c', 'd'] });
  });
});
