import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand, loadAggregate } from './command-handler';
import type { Decider, Event } from './event';
import { MongoEventStore, STREAM_PAGE } from './mongo-event-store';
import { SnapshotStateError } from './snapshot';
import { openTestStore, type TestDatabase, uniqueName } from './stack.fixture';

type Added = Event<'added', { n: number; tag: string }>;
type Add = { type: 'add'; data: { n: number } };
interface Tally {
  count: number;
  total: number;
  recent: string[];
}

// State depends on every event and on their order, so a wrong fold shows.
const tally: Decider<Add, Added, Tally> = {
  initialState: () => ({ count: 0, total: 0, recent: [] }),
  decide: (command, state) => [{ type: 'added', data: { n: command.data.n, tag: `t${state.count + 1}` } }],
  evolve: (state, event) => ({
    count: state.count + 1,
    total: state.total * 3 + event.data.n,
    recent: [...state.recent, event.data.tag].slice(-5),
  }),
};
const snapshotted = (every: number, version = 1): Decider<Add, Added, Tally> => ({
  ...tally,
  snapshot: { every, version },
});
const add = (n: number): Add => ({ type: 'add', data: { n } });
const added = (n: number): Added => ({ type: 'added', data: { n, tag: 'x' } });
const quiet = () => undefined;

let db: TestDatabase;
let connection: Connection;
let store: MongoEventStore;

beforeAll(async () => {
  ({ db, connection, store } = await openTestStore());
});

afterAll(async () => {
  await db?.drop();
});

async function fullFold(streamId: string): Promise<Tally> {
  return (await loadAggregate(store, tally, streamId)).state;
}

describe('snapshots', () => {
  it('gives the same state with and without snapshots over 250 commands, and loads from the latest snapshot', async () => {
    const stream = uniqueName('tally');
    const decider = snapshotted(50);
    let last: Tally | undefined;
    for (let i = 1; i <= 250; i++) last = (await handleCommand(store, decider, stream, add(i % 7))).state;
    const snapshot = await store.readSnapshot(stream);
    expect(snapshot).toMatchObject({ version: 250, schemaVersion: 1 });
    const viaSnapshot = await loadAggregate(store, decider, stream);
    expect(viaSnapshot.snapshotVersion).toBe(250);
    expect(viaSnapshot.version).toBe(250);
    expect(viaSnapshot.state).toEqual(await fullFold(stream));
    expect(viaSnapshot.state).toEqual(last);
    expect(viaSnapshot.state.count).toBe(250);
  }, 30_000);

  it('folds only the events after the snapshot, across page boundaries', async () => {
    const stream = uniqueName('tally');
    const decider = snapshotted(STREAM_PAGE - 4);
    for (let i = 1; i <= STREAM_PAGE * 2 + 10; i++) await handleCommand(store, decider, stream, add(i));
    const snapshot = await store.readSnapshot(stream);
    expect(snapshot?.version).toBe((STREAM_PAGE - 4) * 2);
    const tail = await store.readStreamAfter(stream, snapshot?.version ?? 0);
    expect(tail?.map((e) => e.version)).toEqual(
      Array.from(
        { length: STREAM_PAGE * 2 + 10 - (snapshot?.version ?? 0) },
        (_, i) => (snapshot?.version ?? 0) + i + 1,
      ),
    );
    const loaded = await loadAggregate(store, decider, stream);
    expect(loaded.snapshotVersion).toBe(snapshot?.version);
    expect(loaded.state).toEqual(await fullFold(stream));
  }, 30_000);

  it('ignores a snapshot of another schema version, rebuilds from events and replaces it', async () => {
    const stream = uniqueName('tally');
    for (let i = 1; i <= 12; i++) await handleCommand(store, snapshotted(5, 1), stream, add(i));
    expect((await store.readSnapshot(stream))?.schemaVersion).toBe(1);
    // Version 2 counts differently: a v1 snapshot would give a wrong state if it were used.
    const v2: Decider<Add, Added, Tally> = {
      ...tally,
      evolve: (s, e) => ({ ...tally.evolve(s, e), total: s.total + e.data.n }),
      snapshot: { every: 5, version: 2 },
    };
    const loaded = await loadAggregate(store, v2, stream);
    expect(loaded.snapshotVersion).toBe(0);
    expect(loaded.state.total).toBe(78); // 1 + 2 + … + 12
    await handleCommand(store, v2, stream, add(13));
    expect(await store.readSnapshot(stream)).toMatchObject({ version: 13, schemaVersion: 2 });
    expect((await loadAggregate(store, v2, stream)).state.total).toBe(91);
  }, 30_000);

  it('does not trust a snapshot beyond its version: stale ones are caught up, impossible ones ignored', async () => {
    const stream = uniqueName('tally');
    for (let i = 1; i <= 30; i++) await handleCommand(store, tally, stream, add(i));
    await store.appendToStream(stream, [added(1), added(2), added(3)], { expectedVersion: 30 }); // versions 31..33
    const truth = await fullFold(stream);
    const decider = snapshotted(1000);
    const bogus = JSON.stringify({ count: -1, total: -1, recent: [] });
    const other = new MongoEventStore(connection, { service: 'model-registry', context: 'models' });

    // Stale but real: state at version 20, events 21..33 are folded on top.
    const first20 = (await store.readStream<Added>(stream)).slice(0, 20).map((e) => e.event);
    const stateAt20 = first20.reduce(tally.evolve, tally.initialState());
    await store.snapshots.deleteOne({ _id: stream });
    await store.writeSnapshot({ streamId: stream, version: 20, schemaVersion: 1, state: JSON.stringify(stateAt20) });
    const stale = await loadAggregate(other, decider, stream);
    expect(stale.snapshotVersion).toBe(20);
    expect(stale.state).toEqual(truth);

    // Ahead of the stream, inside a multi-event commit, or not JSON: the state is rebuilt from events.
    for (const [version, state] of [
      [500, bogus],
      [32, bogus],
      [30, '{not json'],
    ] as const) {
      await store.snapshots.deleteOne({ _id: stream });
      await store.snapshots.insertOne({ _id: stream, version, schemaVersion: 1, state, takenAt: new Date() });
      const loaded = await loadAggregate(other, decider, stream, quiet);
      expect(loaded.snapshotVersion).toBe(0);
      expect(loaded.state).toEqual(truth);
    }
    // A command on top of the impossible snapshot decides on the true state and appends at the true head.
    const result = await handleCommand(other, decider, stream, add(5), { onSnapshotError: quiet });
    expect(result.nextExpectedVersion).toBe(34);
    expect(result.state.count).toBe(34);
  }, 30_000);

  it('keeps optimistic concurrency exact: two snapshotting writers × 40 commands give versions 1..80', async () => {
    const stream = uniqueName('tally');
    const decider = snapshotted(5);
    const writers = [store, new MongoEventStore(connection, { service: 'model-registry', context: 'models' })];
    const results = await Promise.all(
      writers.map(async (writer, w) => {
        const versions: number[] = [];
        for (let i = 0; i < 40; i++) {
          const r = await handleCommand(writer, decider, stream, add(w * 100 + i), { maxRetries: 50 });
          versions.push(r.nextExpectedVersion);
        }
        return versions;
      }),
    );
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const events = await store.readStream<Added>(stream);
    expect(events.map((e) => e.version)).toEqual(all);
    // Each tag is the count the writer saw: a decision on a stale snapshot state would repeat one.
    expect(new Set(events.map((e) => e.event.data.tag)).size).toBe(80);
    const loaded = await loadAggregate(store, decider, stream);
    expect(loaded.snapshotVersion).toBeGreaterThan(0);
    expect(loaded.state).toEqual(await fullFold(stream));
  }, 30_000);

  it('never fails a command because its snapshot cannot be saved, and says why', async () => {
    const stream = uniqueName('dated');
    type Stamped = Event<'stamped', { at: string }>;
    const dated: Decider<{ type: 'stamp'; data: { at: string } }, Stamped, { last: Date | null }> = {
      initialState: () => ({ last: null }),
      decide: (command) => [{ type: 'stamped', data: { at: command.data.at } }],
      evolve: (_, event) => ({ last: new Date(event.data.at) }),
      snapshot: { every: 1, version: 1 },
    };
    const errors: unknown[] = [];
    const result = await handleCommand(
      store,
      dated,
      stream,
      { type: 'stamp', data: { at: '2026-01-01T00:00:00Z' } },
      {
        onSnapshotError: (error, _, stage) => errors.push([stage, error]),
      },
    );
    expect(result.nextExpectedVersion).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEqual(['write', expect.any(SnapshotStateError)]);
    expect(await store.readSnapshot(stream)).toBeNull();
  }, 30_000);

  it('reads the tail of streams whose commits predate pages or span pages', async () => {
    const legacy = uniqueName('legacy');
    for (let i = 1; i <= 10; i++) await store.appendToStream(legacy, [added(i)], { expectedVersion: i - 1 });
    await store.commits.updateMany({ streamId: legacy }, { $unset: { page: '' } });
    expect((await store.readStreamAfter(legacy, 7))?.map((e) => e.version)).toEqual([8, 9, 10]);
    expect(await store.readStreamAfter(legacy, 11)).toBeNull();

    const wide = uniqueName('wide');
    const big = Array.from({ length: STREAM_PAGE + 6 }, (_, i) => added(i));
    await store.appendToStream(wide, big, { expectedVersion: 0 });
    await store.appendToStream(wide, [added(1)], { expectedVersion: big.length });
    expect((await store.readStreamAfter(wide, big.length))?.map((e) => e.version)).toEqual([big.length + 1]);
    expect((await store.readStreamAfter(wide, 0))?.length).toBe(big.length + 1);
  }, 30_000);
});
