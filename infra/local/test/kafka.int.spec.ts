import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicAndWait } from './kafka-topics';
import { uniqueName } from './unique';

// Proves that kafkajs 2.2.4 works against the local broker's Kafka version (docs/infra/kafka.md).
const kafka = new Kafka({ clientId: 'neuroforge-stack-int', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });

describe('local Kafka through kafkajs', () => {
  let admin: Admin;
  const createdTopics: string[] = [];
  const groups: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic with the requested partitions through the admin API', async () => {
    const topic = uniqueName('nf.int.admin');
    createdTopics.push(topic);

    const created = await createTopicAndWait(admin, topic, 3);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });

    expect(created).toBe(true);
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
    expect(await admin.listTopics()).toContain(topic);
  });

  it('delivers produced messages to a consumer group in order and commits its offsets', async () => {
    const topic = uniqueName('nf.int.roundtrip');
    const groupId = uniqueName('nf-int-group');
    createdTopics.push(topic);
    groups.push(groupId);
    await createTopicAndWait(admin, topic, 1);

    const producer: Producer = kafka.producer();
    const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    const received: { key: string; value: string; offset: string }[] = [];
    try {
      await producer.connect();
      await producer.send({
        topic,
        messages: ['first', 'second', 'third'].map((value) => ({ key: 'stream-1', value })),
      });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const allReceived = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              offset: message.offset,
            });
            if (received.length === 3) resolve();
          },
        });
      });
      await allReceived;
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }

    expect(received.map((m) => m.value)).toEqual(['first', 'second', 'third']);
    expect(received.every((m) => m.key === 'stream-1')).toBe(true);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions[0]?.offset).toBe('3');
  }, 30_000);

  it('creates a topic on first produce (auto.create.topics.enable)', async () => {
    const topic = uniqueName('nf.int.autocreate');
    createdTopics.push(topic);
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      const [record] = await producer.send({ topic, messages: [{ value: 'hello' }] });
      expect(record?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
    expect(await admin.listTopics()).toContain(topic);
  }, 20_000);

  it('commits a transaction from an idempotent producer and hides an aborted one from read-committed consumers', async () => {
    const topic = uniqueName('nf.int.tx');
    const groupId = uniqueName('nf-int-tx-group');
    createdTopics.push(topic);
    groups.push(groupId);
    await createTopicAndWait(admin, topic, 1);

    const producer = kafka.producer({
      transactionalId: uniqueName('nf-int-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const consumer = kafka.consumer({ groupId, readUncommitted: false });
    const received: string[] = [];
    try {
      await producer.connect();
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted' }] });
      await aborted.abort();
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: 'committed' }] });
      await committed.commit();

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push(message.value?.toString() ?? '');
            if (message.value?.toString() === 'committed') resolve();
          },
        });
      });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }

    expect(received).toEqual(['committed']);
  }, 30_000);
});
