import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, toKafkaMessage } from './envelope';
import { EventConsumer } from './event-consumer';
import { deleteTopics, dlqTopic, ensureTopics } from './kafka-topics';
import { testKafka, uniqueName } from './stack.fixture';

const TYPE = 'neuroforge.models.model_registered.v1';
let kafka: Kafka;
let topic: string;

beforeAll(async () => {
  kafka = testKafka();
  topic = uniqueName('nf.test.models.events');
  await ensureTopics(kafka, [topic, dlqTopic(topic)]);
});

afterAll(async () => {
  await deleteTopics(kafka, [topic, dlqTopic(topic)]).catch(() => undefined);
});

const event: EventEnvelope = {
  specversion: '1.0',
  id: '00000000-0000-4000-a000-000000000001',
  source: 'neuroforge/model-registry',
  type: TYPE,
  subject: 'm1',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  streamversion: 1,
  data: { name: 'a' },
};

async function groupExists(groupId: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.some((g) => g.groupId === groupId);
  } finally {
    await admin.disconnect();
  }
}

async function runAndStop(groupId: string, ephemeralGroup: boolean, errors: unknown[] = []): Promise<string[]> {
  const seen: string[] = [];
  const consumer = new EventConsumer({
    kafka,
    groupId,
    topics: [topic],
    ephemeralGroup,
    onGroupDeleteError: (error) => errors.push(error),
    handlers: { [TYPE]: (e) => void seen.push(e.id) },
  });
  await consumer.start();
  try {
    await consumer.waitForCatchUp(20_000);
    expect(await groupExists(groupId)).toBe(true);
  } finally {
    await consumer.stop();
  }
  return seen;
}

describe('EventConsumer ephemeralGroup', () => {
  it('deletes its consumer group from Kafka after a graceful stop', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [toKafkaMessage(event)] });
    await producer.disconnect();
    const errors: unknown[] = [];
    const groupId = uniqueName('nf-test-ephemeral');
    expect(await runAndStop(groupId, true, errors)).toEqual([event.id]);
    expect(errors).toEqual([]);
    expect(await groupExists(groupId)).toBe(false);
  }, 40_000);

  it('keeps a durable group (the default) after stop', async () => {
    const groupId = uniqueName('nf-test-durable');
    await runAndStop(groupId, false);
    expect(await groupExists(groupId)).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]);
    await admin.disconnect();
  }, 40_000);
});
