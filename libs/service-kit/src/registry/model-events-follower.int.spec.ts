// The follower against the local Kafka: each model stream's events reach the service's handlers once, in order;
// a redelivered event is skipped; deletions are skipped by a service that does not handle them.
import { randomUUID } from 'node:crypto';
import { deleteTopics, dlqTopic, type EventEnvelope, ensureTopics, toKafkaMessage } from '@neuroforge/events';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelEventsFollower } from './model-events-follower';

const suffix = randomUUID().slice(0, 8);
const kafka = new Kafka({
  clientId: `nf-test-follower-${suffix}`,
  brokers: ['127.0.0.1:9092'],
  logLevel: logLevel.ERROR,
});
const topic = `nf.test.follower.models.${suffix}`;
const log = pino({ level: 'silent' });
const followers: ModelEventsFollower[] = [];

beforeAll(async () => {
  await ensureTopics(kafka, [topic, dlqTopic(topic)]);
}, 30_000);

afterAll(async () => {
  await Promise.all(followers.map((f) => f.stop()));
  await deleteTopics(kafka, [topic, dlqTopic(topic)]).catch(() => undefined);
});

async function publish(type: string, subject: string, version: number, data: object): Promise<void> {
  const envelope: EventEnvelope<object> = {
    specversion: '1.0',
    id: randomUUID(),
    source: 'neuroforge/model-registry',
    type,
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    streamversion: version,
    data,
  };
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [toKafkaMessage(envelope)] });
  await producer.disconnect();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ModelEventsFollower', () => {
  it('hands alias moves and deletions to the handlers once each, skipping redeliveries', async () => {
    const seen: string[] = [];
    const moves: string[] = [];
    const full = new ModelEventsFollower({
      kafka,
      groupId: `nf-test-follower-full-${suffix}`,
      topic,
      log,
      onAliasMoved: async (model, alias, version) => {
        seen.push(`moved ${model}@${alias}=${version}`);
      },
      onModelDeleted: (model) => {
        seen.push(`deleted ${model}`);
      },
    });
    const movesOnly = new ModelEventsFollower({
      kafka,
      groupId: `nf-test-follower-moves-${suffix}`,
      topic,
      log,
      onAliasMoved: async (model, alias, version) => {
        moves.push(`moved ${model}@${alias}=${version}`);
      },
    });
    followers.push(full, movesOnly);
    full.start();
    movesOnly.start();
    await Promise.all([full.ready(), movesOnly.ready()]);

    await publish('neuroforge.models.alias_moved.v1', 'model-a', 1, { modelName: 'a', alias: 'latest', version: 2 });
    await publish('neuroforge.models.alias_moved.v1', 'model-a', 1, { modelName: 'a', alias: 'latest', version: 9 });
    await publish('neuroforge.models.model_deleted.v1', 'model-a', 2, { name: 'a' });
    await publish('neuroforge.models.alias_moved.v1', 'model-b', 1, { modelName: 'b', alias: 'stable', version: 3 });

    await until(() => seen.length >= 3 && moves.length >= 2, 'the events to be handled');
    await new Promise((r) => setTimeout(r, 500)); // a handled redelivery would show up within this
    expect(seen).toEqual(['moved a@latest=2', 'deleted a', 'moved b@stable=3']);
    expect(moves).toEqual(['moved a@latest=2', 'moved b@stable=3']);
  }, 40_000);
});
