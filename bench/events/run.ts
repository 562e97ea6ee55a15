// Benchmark: NeuroForge's event path (handleCommand append → outbox relay → Kafka → projection consumer)
// against a bare kafkajs produce → consume loop, in the same run, at 1 and 16 concurrent writers.
// Prints a table and JSON; writes docs/benchmarks/events.json. Run: `npm run bench:events`.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import {
  type Decider,
  deleteTopics,
  dlqTopic,
  EventConsumer,
  type EventEnvelope,
  ensureTopics,
  handleCommand,
  MongoEventStore,
  OutboxRelay,
  Projection,
} from '@neuroforge/events';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';

const MONGO_URL = process.env.NEUROFORGE_BENCH_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const BROKERS = (process.env.NEUROFORGE_BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const WRITERS = [1, 16];
const DURATION_MS = Number(process.env.NEUROFORGE_BENCH_DURATION_MS ?? 20_000); // appending phase per scenario
const EVENTS_PER_STREAM = 10; // writers move to a new stream (aggregate) every 10 events, like real aggregates
const PARTITIONS = 4;
const PAYLOAD = { modelId: 'm', artifactUri: 's3://bucket/models/retnet-small/v1/model.onnx', sha256: 'x'.repeat(64) };

type Incremented = { type: 'version_added'; data: typeof PAYLOAD & { n: number } };
type AddVersion = { type: 'add_version'; data: { n: number } };
const decider: Decider<AddVersion, Incremented, { versions: number }> = {
  initialState: () => ({ versions: 0 }),
  decide: (command) => [{ type: 'version_added', data: { ...PAYLOAD, n: command.data.n } }],
  evolve: (state) => ({ versions: state.versions + 1 }),
};

interface Result {
  pipeline: 'kit' | 'bare-kafkajs';
  writers: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Events appended (or sent) per second during the writing phase alone. */
  writePhaseEventsPerSecond: number;
  /** Kit only: where the end-to-end latency goes (p50 of each leg). */
  legsP50Ms?: { appendToPublished: number; publishedToProjected: number };
}

const id = () => randomBytes(4).toString('hex');
const kafka = new Kafka({ clientId: `nf-bench-events-${id()}`, brokers: BROKERS, logLevel: logLevel.ERROR });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarise(
  pipeline: Result['pipeline'],
  writers: number,
  latencies: number[],
  startedAt: number,
  lastAt: number,
  writePhaseMs: number,
): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const seconds = (lastAt - startedAt) / 1000;
  return {
    pipeline,
    writers,
    events: latencies.length,
    seconds: round(seconds),
    eventsPerSecond: round(latencies.length / seconds),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? 0),
    },
    writePhaseEventsPerSecond: round(latencies.length / (writePhaseMs / 1000)),
  };
}

const p50 = (values: number[]) =>
  round(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
  );

const round = (x: number) => Math.round(x * 10) / 10;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the pipeline to drain');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// 1. The kit: each writer runs handleCommand in a loop; the relay publishes; a consumer feeds a projection.
async function runKit(writers: number, connection: mongoose.Connection): Promise<Result> {
  const topic = `nf.bench.events.kit.${id()}`;
  await ensureTopics(kafka, [topic], { numPartitions: PARTITIONS });
  const store = new MongoEventStore(connection, { service: 'bench', context: 'bench', collection: `events_${id()}` });
  await store.init();
  const publishedAt = new Map<string, number>();
  const relay = new OutboxRelay({
    store,
    kafka,
    topic,
    leaseName: `bench-${id()}`,
    afterPublish: (events) => {
      const now = Date.now();
      for (const e of events) publishedAt.set(e.envelope.id, now);
    },
  });
  const legs = { appendToPublished: [] as number[], publishedToProjected: [] as number[] };
  const projection = new Projection<{ versions: number }>(store.db, 'bench', `view_${id()}`).on(
    'neuroforge.bench.version_added.v1',
    (doc) => ({ versions: (doc?.versions ?? 0) + 1 }),
  );
  const latencies: number[] = [];
  let lastAt = 0;
  const handlers = projection.eventHandlers();
  const applyBatch = projection.batchHandler();
  const record = (envelope: EventEnvelope) => {
    lastAt = Date.now();
    latencies.push(lastAt - Date.parse(envelope.time));
    const published = publishedAt.get(envelope.id);
    if (published !== undefined) {
      legs.appendToPublished.push(published - Date.parse(envelope.time));
      legs.publishedToProjected.push(lastAt - published);
    }
  };
  const consumer = new EventConsumer({
    kafka,
    groupId: `nf-bench-kit-${id()}`,
    topics: [topic],
    partitionsConsumedConcurrently: PARTITIONS,
    maxWaitTimeInMs: 100,
    handlers: {
      'neuroforge.bench.version_added.v1': async (envelope: EventEnvelope, info) => {
        await handlers[envelope.type](envelope, info);
        record(envelope);
      },
    },
    // A Kafka batch's projection writes in one bulkWrite (the per-message handler above is the fallback).
    batchHandler: async (envelopes) => {
      await applyBatch(envelopes);
      for (const envelope of envelopes) record(envelope);
    },
  });
  await consumer.start();
  await relay.start();
  await new Promise((r) => setTimeout(r, 2000)); // let the group settle before timing

  let appended = 0;
  const startedAt = Date.now();
  const stopAt = startedAt + DURATION_MS;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (Date.now() < stopAt) {
        const streamId = `bench-${id()}`;
        for (let i = 0; i < EVENTS_PER_STREAM && Date.now() < stopAt; i++) {
          await handleCommand(store, decider, streamId, { type: 'add_version', data: { n: i } });
          appended++;
          relay.nudge();
        }
      }
    }),
  );
  const writePhaseMs = Date.now() - startedAt;
  await waitFor(() => latencies.length >= appended, 60_000);
  await relay.stop();
  await consumer.stop();
  await deleteTopics(kafka, [topic, dlqTopic(topic)]);
  await store.commits.drop();
  await projection.collection.drop();
  return {
    ...summarise('kit', writers, latencies, startedAt, lastAt, writePhaseMs),
    legsP50Ms: { appendToPublished: p50(legs.appendToPublished), publishedToProjected: p50(legs.publishedToProjected) },
  };
}

// 2. The baseline: the same writers produce the same payload straight to Kafka (acks=all), one message per
//    send, and a plain consumer reads them.
async function runBare(writers: number): Promise<Result> {
  const topic = `nf.bench.events.bare.${id()}`;
  await ensureTopics(kafka, [topic], { numPartitions: PARTITIONS });
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `nf-bench-bare-${id()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const latencies: number[] = [];
  let lastAt = 0;
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async ({ message }) => {
      const sentAt = Number(JSON.parse(message.value?.toString() ?? '{}').sentAt);
      lastAt = Date.now();
      latencies.push(lastAt - sentAt);
    },
  });
  await new Promise((r) => setTimeout(r, 2000));

  let sent = 0;
  const startedAt = Date.now();
  const stopAt = startedAt + DURATION_MS;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (Date.now() < stopAt) {
        const key = `bench-${id()}`;
        for (let i = 0; i < EVENTS_PER_STREAM && Date.now() < stopAt; i++) {
          const value = JSON.stringify({ ...PAYLOAD, n: i, sentAt: Date.now() });
          await producer.send({ topic, acks: -1, messages: [{ key, value }] });
          sent++;
        }
      }
    }),
  );
  const writePhaseMs = Date.now() - startedAt;
  await waitFor(() => latencies.length >= sent, 60_000);
  await consumer.disconnect();
  await producer.disconnect();
  await deleteTopics(kafka, [topic]);
  return summarise('bare-kafkajs', writers, latencies, startedAt, lastAt, writePhaseMs);
}

// The cost of one FerretDB/MongoDB round trip on this machine right now: the kit makes ~4 per event.
async function probeMongo(connection: mongoose.Connection): Promise<{ insertP50: number; findByIdP50: number }> {
  const probe = connection.collection(`probe_${id()}`);
  const inserts: number[] = [];
  const finds: number[] = [];
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    await probe.insertOne({ _id: `p${i}` as never, payload: PAYLOAD });
    inserts.push(performance.now() - t);
    t = performance.now();
    await probe.findOne({ _id: `p${i}` as never });
    finds.push(performance.now() - t);
  }
  await probe.drop();
  return { insertP50: p50(inserts), findByIdP50: p50(finds) };
}

async function main(): Promise<void> {
  const dbName = `nf_bench_events_${id()}`;
  const connection = mongoose.createConnection(`${MONGO_URL}/${dbName}`, { serverSelectionTimeoutMS: 10_000 });
  await connection.asPromise();
  const results: Result[] = [];
  let mongoOpMs: { insertP50: number; findByIdP50: number } | undefined;
  try {
    mongoOpMs = await probeMongo(connection);
    for (const writers of WRITERS) {
      for (const run of [() => runBare(writers), () => runKit(writers, connection)]) {
        const result = await run();
        console.error(`done: ${result.pipeline} × ${writers} writer(s): ${result.eventsPerSecond} events/s`);
        results.push(result);
      }
    }
  } finally {
    await connection.dropDatabase();
    await connection.close();
  }

  const ratios = WRITERS.map((writers) => {
    const kit = results.find((r) => r.pipeline === 'kit' && r.writers === writers);
    const bare = results.find((r) => r.pipeline === 'bare-kafkajs' && r.writers === writers);
    return {
      writers,
      throughputRatio: kit && bare ? Number((kit.eventsPerSecond / bare.eventsPerSecond).toFixed(3)) : null,
    };
  });
  const report = {
    benchmark: 'events',
    command: 'npm run bench:events',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    setup: {
      appendPhaseMs: DURATION_MS,
      eventsPerStream: EVENTS_PER_STREAM,
      partitions: PARTITIONS,
      payloadBytes: JSON.stringify(PAYLOAD).length,
      mongoOpMs,
      mongo: MONGO_URL,
      kafka: BROKERS,
    },
    results,
    ratios,
  };
  console.log(
    '\npipeline       writers  events  events/s  write-phase/s  p50 ms  p99 ms  legs p50 (append→kafka, kafka→view)',
  );
  for (const r of results) {
    console.log(
      `${r.pipeline.padEnd(14)} ${String(r.writers).padStart(7)} ${String(r.events).padStart(7)} ` +
        `${String(r.eventsPerSecond).padStart(9)} ${String(r.writePhaseEventsPerSecond).padStart(14)} ` +
        `${String(r.latencyMs.p50).padStart(7)} ${String(r.latencyMs.p99).padStart(7)}  ` +
        (r.legsP50Ms ? `${r.legsP50Ms.appendToPublished} ms, ${r.legsP50Ms.publishedToProjected} ms` : ''),
    );
  }
  for (const r of ratios) console.log(`kit / bare throughput at ${r.writers} writer(s): ${r.throughputRatio}`);
  console.log(
    `one Mongo round trip (p50): insert ${mongoOpMs?.insertP50} ms, find by _id ${mongoOpMs?.findByIdP50} ms`,
  );
  console.log(JSON.stringify(report, null, 2));
  writeFileSync(resolve(process.cwd(), 'docs/benchmarks/events.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
