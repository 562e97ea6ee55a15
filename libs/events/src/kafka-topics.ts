// Topic names and creation. Every context topic `T` has a dead-letter topic `T.dlq`.
//
// Creation does not trust kafkajs' `createTopics({ waitForLeaders: true })`: it retries only LEADER_NOT_AVAILABLE,
// while a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a moment after a create as its metadata cache catches
// up (docs/infra/kafka.md), so a producer used right after gets "This server does not host this topic-partition".
// Instead: create without waiting, poll the metadata until every partition of every topic has a leader, then ask
// each leader for the partition's offsets (a leader can be named a moment before it serves the partition).
import type { Admin, Kafka } from 'kafkajs';

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export interface EnsureTopicsOptions {
  /** Partitions of each topic created here; topics that exist keep theirs. Default 1. */
  numPartitions?: number;
  /** How long every partition may take to get a leader. Default 15 s. */
  timeoutMs?: number;
}

/** Answers that only mean "not there yet": the broker's metadata or replica state is still catching up. */
const TRANSIENT = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

function isTransient(error: unknown): boolean {
  const e = error as { type?: string; originalError?: unknown; cause?: unknown; errors?: unknown[] } | null;
  if (!e) return false;
  if (TRANSIENT.has(e.type ?? '')) return true;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every(isTransient);
  return isTransient(e.originalError) || isTransient(e.cause);
}
const POLL_MS = 100;

/**
 * Creates the topics that do not exist yet and resolves once every partition of every named topic has a leader,
 * so producers and consumers can use them at once. Idempotent, and safe when several processes race to create.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], options: EnsureTopicsOptions = {}): Promise<void> {
  const { numPartitions = 1, timeoutMs = 15_000 } = options;
  const names = [...new Set(topics)];
  if (names.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((t) => !existing.has(t));
    // A topic another process created meanwhile is not an error (kafkajs answers false for it).
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: false });
    }
    await waitForLeaders(admin, names, new Set(missing), numPartitions, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(
  admin: Admin,
  topics: string[],
  created: Set<string>,
  numPartitions: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waitingFor = topics;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const ready = new Set(
        metadata.topics
          .filter(
            (t) =>
              t.partitions.length > 0 &&
              (!created.has(t.name) || t.partitions.length >= numPartitions) &&
              t.partitions.every((p) => p.leader >= 0),
          )
          .map((t) => t.name),
      );
      waitingFor = topics.filter((t) => !ready.has(t));
      // The controller names a leader before that broker serves the partition: ask each leader for its offsets.
      if (waitingFor.length === 0) {
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
        return;
      }
    } catch (error) {
      if (!isTransient(error)) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Kafka topics ${waitingFor.join(', ')} have no leader for every partition after ${timeoutMs} ms; is the broker healthy?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Deletes topics (tests clean up with this). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}
