// Test support for the kit's integration tests: a throw-away Mongo database and Kafka names per test file,
// against the real local stack (FerretDB on 27017, Kafka on 9092).
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';

export const MONGO_URL = process.env.NEUROFORGE_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
export const KAFKA_BROKERS = (process.env.NEUROFORGE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A fresh database `nf_test_events_<random>`; drop() removes it. */
export async function testDatabase(): Promise<{ connection: Connection; drop: () => Promise<void> }> {
  const connection = mongoose.createConnection(`${MONGO_URL}/${uniqueName('nf_test_events')}`, {
    serverSelectionTimeoutMS: 5000,
  });
  await connection.asPromise();
  return {
    connection,
    drop: async () => {
      await connection.dropDatabase();
      await connection.close();
    },
  };
}

export function testKafka(clientId = uniqueName('nf-test-events')): Kafka {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.ERROR, retry: { retries: 5 } });
}
