// Benchmark: what snapshots save on a long stream. The embeddings service's Collection aggregate (every document
// write is an event on its stream) runs `record_documents_upserted` through handleCommand on one stream as it
// grows, alternately without snapshots (fold the whole stream) and with them (snapshot + the events after it),
// in the same run on the same FerretDB. Prints a table and JSON; writes docs/benchmarks/events-snapshots.json.
// Run: `npm run bench:events:snapshots` (≈ 1 minute; needs FerretDB on 27017).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { handleCommand, MongoEventStore } from '@neuroforge/events';
import mongoose from 'mongoose';
import type { CollectionCommand } from '../../services/embeddings/src/domain/collection.commands';
import { collectionDecider } from '../../services/embeddings/src/domain/collection.decider';
import type { CollectionEvent } from '../../services/embeddings/src/domain/collection.events';

const MONGO_URL = process.env.NEUROFORGE_BENCH_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const LENGTHS = [100, 500, 1000, 2000]; // stream lengths (events) at which both variants are timed
const COMMANDS = 30; // timed commands per variant and length

const id = () => randomBytes(4).toString('hex');
const ids = (n: number) => Array.from({ length: 8 }, (_, i) => `doc-${n}-${i}`);
const upsert = (n: number): CollectionCommand => ({
  type: 'record_documents_upserted',
  data: { ids: ids(n), embeddedCount: 8 },
});
const withoutSnapshots = { ...collectionDecider, snapshot: undefined };

interface Row {
  streamEvents: number;
  withoutSnapshotsMs: { p50: number; p90: number };
  withSnapshotsMs: { p50: number; p90: number };
  speedup: number;
}

const round = (x: number) => Math.round(x * 100) / 100;
function stats(samples: number[]): { p50: number; p90: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: round(s[Math.floor(s.length / 2)]), p90: round(s[Math.floor(s.length * 0.9)]) };
}

async function main(): Promise<void> {
  const connection = mongoose.createConnection(`${MONGO_URL}/nf_bench_snapshots_${id()}`);
  await connection.asPromise();
  try {
    const store = new MongoEventStore(connection, { service: 'embeddings', context: 'embeddings' });
    await store.init();
    const stream = `collection-bench-${id()}`;
    await handleCommand(store, collectionDecider, stream, {
      type: 'create_collection',
      data: { name: 'bench', model: 'retnet-default', modelVersion: 1, dimension: 128, distance: 'cosine' },
    });
    let version = 1;
    let n = 0;
    const rows: Row[] = [];
    for (const length of LENGTHS) {
      // 1. Grow the stream to `length` events with plain appends (what document writes leave behind).
      while (version < length) {
        const event: CollectionEvent = {
          type: 'documents_upserted',
          data: { collection: 'bench', ids: ids(n++), embeddedCount: 8 },
        };
        version = (await store.appendToStream(stream, [event], { expectedVersion: version })).nextExpectedVersion;
      }
      // 2. Time the same command both ways, interleaved so load changes hit both alike.
      const without: number[] = [];
      const withSnap: number[] = [];
      for (let i = 0; i < COMMANDS; i++) {
        for (const [decider, samples] of [
          [withoutSnapshots, without],
          [collectionDecider, withSnap],
        ] as const) {
          const started = performance.now();
          const result = await handleCommand(store, decider, stream, upsert(n++));
          samples.push(performance.now() - started);
          version = result.nextExpectedVersion;
        }
      }
      const row: Row = {
        streamEvents: length,
        withoutSnapshotsMs: stats(without),
        withSnapshotsMs: stats(withSnap),
        speedup: round(stats(without).p50 / stats(withSnap).p50),
      };
      rows.push(row);
      console.log(
        `${String(length).padStart(6)} events: without ${row.withoutSnapshotsMs.p50} ms, with ${row.withSnapshotsMs.p50} ms (p50), ${row.speedup}x`,
      );
    }
    const report = {
      benchmark: 'events-snapshots',
      aggregate: 'embeddings Collection (snapshot every 50 events)',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg1AtEnd: round(loadavg()[0]) },
      commandsPerVariantAndLength: COMMANDS,
      rows,
    };
    console.log(JSON.stringify(report, null, 2));
    writeFileSync(
      resolve(__dirname, '../../../../../docs/benchmarks/events-snapshots.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
