// Test support for the kit's integration tests: a throw-away Mongo database and Kafka names per test file,
// against the real local stack (FerretDB on 27017, Kafka on 9092).
import { randomBytes } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel, type Producer } from 'kafkajs';
import mongoose, { type Connection, type mongo } from 'mongoose';
import { deleteTopics, dlqTopic } from './kafka-topics';
import { MongoEventStore } from './mongo-event-store';

export const MONGO_URL = process.env.NEUROFORGE_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
export const KAFKA_BROKERS = (process.env.NEUROFORGE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A fresh database `nf_test_events_<random>`; drop() removes it. */
export async function testDatabase(): Promise<{ connection: Connection; db: mongo.Db; drop: () => Promise<void> }> {
  const connection = mongoose.createConnection(`${MONGO_URL}/${uniqueName('nf_test_events')}`, {
    serverSelectionTimeoutMS: 5000,
  });
  await connection.asPromise();
  const db = connection.db;
  if (!db) throw new Error('mongoose connected without a database handle');
  return {
    connection,
    db,
    drop: async () => {
      await connection.dropDatabase();
      await connection.close();
    },
  };
}

export type TestDatabase = Awaited<ReturnType<typeof testDatabase>>;

/** A throw-away database with an initialised event store (the model-registry's `models` context, as the tests use). */
export async function openTestStore(): Promise<{ db: TestDatabase; connection: Connection; store: MongoEventStore }> {
  const db = await testDatabase();
  const store = new MongoEventStore(db.connection, { service: 'model-registry', context: 'models' });
  await store.init();
  return { db, connection: db.connection, store };
}

/** A throw-away database, a Kafka client and a connected producer; `close` also deletes the topics (and DLQs) given. */
export async function openTestBus(): Promise<{
  db: TestDatabase;
  kafka: Kafka;
  producer: Producer;
  close: (topics: readonly string[]) => Promise<void>;
}> {
  const db = await testDatabase();
  const kafka = testKafka();
  const producer = kafka.producer();
  await producer.connect();
  const close = async (topics: readonly string[]) => {
    await producer.disconnect();
    await deleteTopics(kafka, [...topics, ...topics.map(dlqTopic)]).catch(() => undefined);
    await db.drop();
  };
  return { db, kafka, producer, close };
}

export function testKafka(clientId = uniqueName('nf-test-events')): Kafka {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.ERROR, retry: { retries: 5 } });
}

/** Reads `count` messages from the start of a topic with a throw-away consumer group. */
export async function collectMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<KafkaMessageSeen[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('nf-test-collect'), maxWaitTimeInMs: 200 });
  const seen: KafkaMessageSeen[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, offset: message.offset, key: message.key?.toString() ?? '', message });
        if (seen.length >= count) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      enough,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`saw ${seen.length}/${count} messages on ${topic}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

export interface KafkaMessageSeen {
  partition: number;
  offset: string;
  key: string;
  message: KafkaMessage;
}
