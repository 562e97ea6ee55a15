// connectMongo against the local FerretDB (127.0.0.1:27017) and against a closed port.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMongo, mongoDb } from './connect-mongo';

const MONGO = process.env.NEUROFORGE_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const opened: { close(force?: boolean): Promise<void>; dropDatabase(): Promise<unknown> }[] = [];

function uniqueUrl(): string {
  return `${MONGO}/nf_test_kit_${randomBytes(5).toString('hex')}`;
}

afterEach(async () => {
  for (const connection of opened.splice(0)) {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
});

describe('connectMongo', () => {
  it('connects with the pool bound from stack.mongo_pool_size, and an option overrides it', async () => {
    const fromConfig = await connectMongo({ mongo_url: uniqueUrl(), mongo_pool_size: 7 });
    opened.push(fromConfig);
    expect(fromConfig.getClient().options.maxPoolSize).toBe(7);
    await expect(mongoDb(fromConfig).command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });

    const overridden = await connectMongo({ mongo_url: uniqueUrl(), mongo_pool_size: 7 }, { maxPoolSize: 2 });
    opened.push(overridden);
    expect(overridden.getClient().options.maxPoolSize).toBe(2);
  });

  it('never opens more connections than the bound, however many operations run at once', async () => {
    const connection = await connectMongo({ mongo_url: uniqueUrl(), mongo_pool_size: 3 });
    opened.push(connection);
    let created = 0;
    let checkedOut = 0;
    let mostCheckedOut = 0;
    const client = connection.getClient();
    client.on('connectionCreated', () => {
      created += 1;
    });
    client.on('connectionCheckedOut', () => {
      checkedOut += 1;
      mostCheckedOut = Math.max(mostCheckedOut, checkedOut);
    });
    client.on('connectionCheckedIn', () => {
      checkedOut -= 1;
    });
    const docs = mongoDb(connection).collection('items');
    await Promise.all(Array.from({ length: 60 }, (_, i) => docs.insertOne({ i })));
    expect(await docs.countDocuments()).toBe(60);
    expect(mostCheckedOut).toBeGreaterThan(1);
    expect(mostCheckedOut).toBeLessThanOrEqual(3);
    expect(created).toBeLessThanOrEqual(3);
  });

  it('fails within its server-selection bound when nothing listens', async () => {
    const started = Date.now();
    await expect(
      connectMongo(
        { mongo_url: 'mongodb://127.0.0.1:1/nf_nothing', mongo_pool_size: 2 },
        { serverSelectionTimeoutMS: 300 },
      ),
    ).rejects.toThrow(/ECONNREFUSED|Server selection timed out/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
