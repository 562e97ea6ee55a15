import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from './command-handler';
import { VersionConflictError } from './errors';
import { DomainError, type Event } from './event';
import { type ModelCommand, type ModelEvent, modelDecider } from './model.fixture';
import { MongoEventStore } from './mongo-event-store';
import { openTestStore, type TestDatabase, uniqueName } from './stack.fixture';

type CounterEvent = Event<'incremented', { by: number }>;
const inc = (by = 1): CounterEvent => ({ type: 'incremented', data: { by } });
const now = '2025-01-01T00:00:00.000Z';

let db: TestDatabase;
let connection: Connection;
let store: MongoEventStore;

beforeAll(async () => {
  ({ db, connection, store } = await openTestStore());
});

afterAll(async () => {
  await db?.drop();
});

describe('MongoEventStore', () => {
  it('appends and reads a stream back with versions, positions and envelopes', async () => {
    const stream = uniqueName('counter');
    const result = await store.appendToStream(stream, [inc(1), inc(2)], {
      expectedVersion: 'no_stream',
      metadata: { correlationId: 'corr-1', causationId: 'cmd-1' },
    });
    expect(result.nextExpectedVersion).toBe(2);
    const read = await store.readStream<CounterEvent>(stream);
    expect(read.map((e) => [e.version, e.event])).toEqual([
      [1, inc(1)],
      [2, inc(2)],
    ]);
    expect(read[1].position).toBe(read[0].position); // one append, one position
    expect(read[0].envelope).toMatchObject({
      specversion: '1.0',
      source: 'neuroforge/model-registry',
      type: 'neuroforge.models.incremented.v1',
      subject: stream,
      streamversion: 1,
      datacontenttype: 'application/json',
      correlationid: 'corr-1',
      causationid: 'cmd-1',
      data: { by: 1 },
    });
    expect(read[0].envelope.id).not.toBe(read[1].envelope.id);
    expect(await store.readStream(stream, { fromVersion: 2 })).toHaveLength(1);
  });

  it('rejects a stale expected version with VersionConflictError', async () => {
    const stream = uniqueName('counter');
    await store.appendToStream(stream, [inc()], { expectedVersion: 0 });
    await store.appendToStream(stream, [inc()], { expectedVersion: 1 });
    const stale = store.appendToStream(stream, [inc()], { expectedVersion: 1 });
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    await expect(stale).rejects.toMatchObject({ actualVersion: 2 });
    await expect(store.appendToStream(stream, [inc()], { expectedVersion: 3 })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
  });

  it('rejects an expected version that falls inside a multi-event commit, so commits never overlap', async () => {
    const stream = uniqueName('counter');
    await store.appendToStream(stream, [inc(1), inc(2), inc(3)], { expectedVersion: 0 });
    const other = new MongoEventStore(connection, { service: 'model-registry', context: 'models' });
    for (const writer of [store, other]) {
      await expect(writer.appendToStream(stream, [inc()], { expectedVersion: 2 })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      await expect(writer.appendToStream(stream, [inc()], { expectedVersion: 4 })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
    }
    expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it("'no_stream' fails on an existing stream; 'any' appends after whatever is there", async () => {
    const stream = uniqueName('counter');
    await store.appendToStream(stream, [inc()], { expectedVersion: 'no_stream' });
    await expect(store.appendToStream(stream, [inc()], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    const result = await store.appendToStream(stream, [inc(), inc()], { expectedVersion: 'any' });
    expect(result.nextExpectedVersion).toBe(3);
  });

  it('lets exactly one of two racing writers at the same version win; the unique index decides', async () => {
    const stream = uniqueName('counter');
    await store.appendToStream(stream, [inc()]);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => store.appendToStream(stream, [inc(), inc()], { expectedVersion: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
    expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('keeps a multi-event append all-or-nothing: a losing batch leaves no event behind', async () => {
    const stream = uniqueName('counter');
    await store.appendToStream(stream, [inc(10)], { expectedVersion: 0 });
    await expect(store.appendToStream(stream, [inc(1), inc(2), inc(3)], { expectedVersion: 0 })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect((await store.readStream<CounterEvent>(stream)).map((e) => e.event.data.by)).toEqual([10]);
  });

  it("stores payload keys FerretDB forbids in documents ('.' and '$')", async () => {
    const stream = uniqueName('odd');
    const event = { type: 'config_set', data: { 'model.dim': 512, $weird: true } };
    await store.appendToStream(stream, [event]);
    expect((await store.readStream(stream))[0].event).toEqual(event);
  });

  it('reads all streams in global position order after a position', async () => {
    const a = uniqueName('all');
    const b = uniqueName('all');
    const first = await store.appendToStream(a, [inc(1)]);
    await store.appendToStream(b, [inc(2), inc(3)]);
    await store.appendToStream(a, [inc(4)]);
    const after = first.events[0].position - 1;
    const all = await store.readAll({ afterPosition: after, limit: 100 });
    const ours = all.filter((e) => e.streamId === a || e.streamId === b);
    expect(ours.map((e) => (e.event as CounterEvent).data.by)).toEqual([1, 2, 3, 4]);
    const positions = all.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(new Set(ours.map((e) => e.position)).size).toBe(3); // three appends; b's two events share one
    // A page never splits an append: limit 2 ends after b's two-event commit.
    const page = await store.readAll({ afterPosition: after, limit: 2 });
    expect(page.map((e) => (e.event as CounterEvent).data.by)).toEqual([1, 2, 3]);
  });

  it('init() is idempotent: a restarted service re-creates its indexes without error', async () => {
    await store.init();
    const again = new MongoEventStore(connection, { service: 'model-registry', context: 'models' });
    await again.init();
    const names = (await store.commits.indexes()).map((index) => index.name);
    expect(names).toEqual(expect.arrayContaining(['stream_version_unique', 'position_unique', 'outbox']));
    await expect(store.streamVersion(uniqueName('after-init'))).resolves.toBe(0);
  });

  it('hands out unique positions when the first appends into a fresh database race to create the counter', async () => {
    const fresh = new MongoEventStore(connection, {
      service: 'model-registry',
      context: 'models',
      collection: uniqueName('events'),
      countersCollection: uniqueName('counters'),
    });
    await fresh.init();
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        fresh.appendToStream(uniqueName('race'), [inc()], { expectedVersion: 'no_stream' }),
      ),
    );
    const positions = results.map((r) => r.events[0].position);
    expect(new Set(positions).size).toBe(16);
    expect(positions.every((p) => p >= 1)).toBe(true);
  });

  it('gives each later commit of a stream a higher position, under concurrent writers', async () => {
    const streams = Array.from({ length: 8 }, () => uniqueName('order'));
    await Promise.all(
      streams.map(async (stream) => {
        for (let v = 0; v < 6; v++) await store.appendToStream(stream, [inc()], { expectedVersion: v });
      }),
    );
    for (const stream of streams) {
      const positions = (await store.readStream(stream)).map((e) => e.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(6);
    }
  });

  it('marks new commits unpublished for the outbox', async () => {
    const stream = uniqueName('outbox');
    await store.appendToStream(stream, [inc()]);
    const commit = await store.commits.findOne({ streamId: stream });
    expect(commit?.published).toBe(false);
  });
});

describe('handleCommand', () => {
  const register = (modelId: string): ModelCommand => ({ type: 'register_model', data: { modelId, name: 'm', now } });
  const addVersion = (modelId: string): ModelCommand => ({
    type: 'add_version',
    data: { modelId, artifactUri: `s3://${modelId}`, now },
  });

  it('loads, decides and appends, returning the new events, version and state', async () => {
    const id = uniqueName('model');
    await handleCommand(store, modelDecider, id, register(id));
    const result = await handleCommand(store, modelDecider, id, addVersion(id));
    expect(result.nextExpectedVersion).toBe(2);
    expect(result.events.map((e) => e.event.type)).toEqual(['version_added']);
    expect(result.state).toEqual({ status: 'active', name: 'm', versions: 1 });
  });

  it('propagates domain errors and appends nothing', async () => {
    const id = uniqueName('model');
    await handleCommand(store, modelDecider, id, register(id));
    await expect(handleCommand(store, modelDecider, id, register(id))).rejects.toMatchObject({
      code: 'MODELS.ALREADY_EXISTS',
    });
    await expect(handleCommand(store, modelDecider, id, register(id))).rejects.toBeInstanceOf(DomainError);
    expect(await store.readStream(id)).toHaveLength(1);
  });

  it('two writers × 50 commands on one stream: versions 1..100, each event once, losers retried', async () => {
    const id = uniqueName('model');
    await handleCommand(store, modelDecider, id, register(id));
    let conflicts = 0;
    const counting: typeof store = Object.create(store);
    counting.appendToStream = async (...args) => {
      try {
        return await store.appendToStream(...args);
      } catch (error) {
        if (error instanceof VersionConflictError) conflicts++;
        throw error;
      }
    };
    const writer = async (name: string) => {
      for (let i = 0; i < 50; i++) {
        await handleCommand(
          counting,
          modelDecider,
          id,
          {
            type: 'add_version',
            data: { modelId: id, artifactUri: `s3://${name}/${i}`, now },
          },
          { maxRetries: 100 },
        );
      }
    };
    await Promise.all([writer('a'), writer('b')]);
    const events = await store.readStream<ModelEvent>(id);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    const uris = events.flatMap((e) => (e.event.type === 'version_added' ? [e.event.data.artifactUri] : []));
    expect(uris).toHaveLength(100);
    expect(new Set(uris).size).toBe(100);
    // The model's own version numbers are contiguous too: every decision saw the latest state.
    expect(events.flatMap((e) => (e.event.type === 'version_added' ? [e.event.data.version] : []))).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expect(conflicts).toBeGreaterThan(0);
  }, 60_000);

  it('gives up after maxRetries conflicts', async () => {
    const id = uniqueName('model');
    await handleCommand(store, modelDecider, id, register(id));
    const alwaysConflicting: typeof store = Object.create(store);
    let attempts = 0;
    alwaysConflicting.appendToStream = async () => {
      attempts++;
      throw new VersionConflictError(id, 1, 2);
    };
    await expect(
      handleCommand(alwaysConflicting, modelDecider, id, addVersion(id), { maxRetries: 2 }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(attempts).toBe(3);
  });
});
