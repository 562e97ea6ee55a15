import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromKafkaMessage } from './envelope';
import { EventConsumer } from './event-consumer';
import { deleteTopics, dlqTopic, ensureTopics } from './kafka-topics';
import { type ModelEvent } from './model.fixture';
import { MongoEventStore } from './mongo-event-store';
import { OutboxRelay } from './outbox-relay';
import { Projection } from './projection';
import { collectMessages, testDatabase, testKafka, uniqueName } from './stack.fixture';

const now = '2025-01-01T00:00:00.000Z';
const registered = (modelId: string): ModelEvent => ({
  type: 'model_registered',
  data: { modelId, name: modelId, registeredAt: now },
});
const versionAdded = (modelId: string, version: number): ModelEvent => ({
  type: 'version_added',
  data: { modelId, version, artifactUri: `s3://${modelId}/${version}`, addedAt: now },
});

let db: Awaited<ReturnType<typeof testDatabase>>;
let kafka: Kafka;
const topics: string[] = [];

beforeAll(async () => {
  db = await testDatabase();
  kafka = testKafka();
});

afterAll(async () => {
  await deleteTopics(kafka, [...topics, ...topics.map(dlqTopic)]).catch(() => undefined);
  await db?.drop();
});

async function freshStore(): Promise<{ store: MongoEventStore; topic: string }> {
  const topic = uniqueName('nf.test.models.events');
  topics.push(topic);
  await ensureTopics(kafka, [topic], { numPartitions: 3 });
  const store = new MongoEventStore(db.connection, {
    service: 'model-registry',
    context: 'models',
    collection: uniqueName('events'),
  });
  await store.init();
  return { store, topic };
}

async function appendModels(store: MongoEventStore, models: number, versions: number): Promise<string[]> {
  const ids = Array.from({ length: models }, () => uniqueName('model'));
  for (const id of ids) {
    // The first commit carries two events, to exercise multi-event commits.
    const first = versions > 0 ? [registered(id), versionAdded(id, 1)] : [registered(id)];
    await store.appendToStream(id, first, { expectedVersion: 'no_stream' });
    for (let v = 2; v <= versions; v++) await store.appendToStream(id, [versionAdded(id, v)], { expectedVersion: v });
  }
  return ids;
}

describe('OutboxRelay', () => {
  it('publishes committed events keyed by stream, in version order, then marks them published', async () => {
    const { store, topic } = await freshStore();
    const ids = await appendModels(store, 4, 3);
    const relay = new OutboxRelay({ store, kafka, topic, batchSize: 5 });
    let published = 0;
    for (let n = await relay.publishOnce(); n > 0; n = await relay.publishOnce()) published += n;
    await relay.stop();
    expect(published).toBe(16);
    expect(await store.commits.countDocuments({ published: false })).toBe(0);

    const seen = await collectMessages(kafka, topic, 16);
    for (const id of ids) {
      const mine = seen.filter((m) => m.key === id);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1); // one stream, one partition
      const versions = mine
        .sort((a, b) => Number(a.offset) - Number(b.offset))
        .map((m) => {
          return fromKafkaMessage(m.message).streamversion;
        });
      expect(versions).toEqual([1, 2, 3, 4]);
    }
  });

  it('runs as a loop that picks up new appends', async () => {
    const { store, topic } = await freshStore();
    const relay = new OutboxRelay({ store, kafka, topic, pollIntervalMs: 20 });
    await relay.start();
    try {
      const [id] = await appendModels(store, 1, 2);
      const seen = await collectMessages(kafka, topic, 3);
      expect(seen.map((m) => m.key)).toEqual([id, id, id]);
    } finally {
      await relay.stop();
    }
  });

  it('only the lease holder publishes; a dead holder’s lease expires and another relay takes over', async () => {
    const { store, topic } = await freshStore();
    await appendModels(store, 1, 0);
    const leaseName = uniqueName('outbox');
    const a = new OutboxRelay({ store, kafka, topic, leaseName, leaseTtlMs: 1500 });
    const b = new OutboxRelay({ store, kafka, topic, leaseName, leaseTtlMs: 1500 });
    expect(await a.publishOnce()).toBe(1);
    await store.appendToStream(uniqueName('model'), [registered('x')]);
    expect(await b.publishOnce()).toBe(-1); // a holds the lease
    await new Promise((r) => setTimeout(r, 1600));
    expect(await b.publishOnce()).toBe(1);
    await a.stop();
    await b.stop();
  });

  it('killed between publish and mark: after restart every event is on Kafka and the projection counts each once', async () => {
    const { store, topic } = await freshStore();
    const ids = await appendModels(store, 3, 4); // 15 events
    const leaseName = uniqueName('outbox');

    // 1. The first relay publishes a round and "dies" before marking it: its fault hook throws and it is
    //    never used again (its lease is not released, as after a SIGKILL).
    let sentBeforeDeath = 0;
    const doomed = new OutboxRelay({
      store,
      kafka,
      topic,
      leaseName,
      leaseTtlMs: 1000,
      batchSize: 8,
      afterPublish: (events) => {
        sentBeforeDeath = events.length;
        throw new Error('killed between publish and mark');
      },
    });
    await expect(doomed.publishOnce()).rejects.toThrow('killed');
    expect(sentBeforeDeath).toBeGreaterThan(0);
    expect(await store.commits.countDocuments({ published: true })).toBe(0);

    // 2. A restarted relay waits out the dead one's lease, then republishes from the first unmarked event.
    const restarted = new OutboxRelay({ store, kafka, topic, leaseName, leaseTtlMs: 1000, pollIntervalMs: 50 });
    await restarted.start();

    // 3. A projection consumer sees duplicates and applies each event once.
    const projection = new Projection<{ name: string; versions: number[]; eventIds: string[] }>(
      store.db,
      'models',
      uniqueName('models_view'),
    )
      .on<Extract<ModelEvent, { type: 'model_registered' }>['data']>(
        'neuroforge.models.model_registered.v1',
        (_, e) => ({ name: e.data.name, versions: [], eventIds: [e.id] }),
      )
      .on<Extract<ModelEvent, { type: 'version_added' }>['data']>('neuroforge.models.version_added.v1', (doc, e) => ({
        name: doc?.name ?? '?',
        versions: [...(doc?.versions ?? []), e.data.version],
        eventIds: [...(doc?.eventIds ?? []), e.id],
      }));
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('nf-test-projection'),
      topics: [topic],
      handlers: projection.eventHandlers(),
    });
    await consumer.start();
    try {
      const all = await collectMessages(kafka, topic, 15 + sentBeforeDeath);
      expect(all).toHaveLength(15 + sentBeforeDeath); // every event, some twice
      const distinct = new Set(all.map((m) => fromKafkaMessage(m.message).id));
      expect(distinct.size).toBe(15);
      await consumer.waitForCatchUp(20_000);
      for (const id of ids) {
        const doc = await projection.get(id);
        expect(doc?.versions).toEqual([1, 2, 3, 4]);
        expect(new Set(doc?.eventIds).size).toBe(5);
        expect(doc?.eventIds).toHaveLength(5);
      }
      expect(await store.commits.countDocuments({ published: false })).toBe(0);
    } finally {
      await consumer.stop();
      await restarted.stop();
      await doomed.stop();
    }
  }, 45_000);
});
