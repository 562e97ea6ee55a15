// Creates the service's topics. kafkajs' `waitForLeaders: true` retries only LEADER_NOT_AVAILABLE, while a KRaft
// broker answers UNKNOWN_TOPIC_OR_PARTITION for a moment after a create (docs/infra/kafka.md): create without
// waiting, then poll the metadata until every partition has a leader.
import type { Kafka } from 'kafkajs';

const TRANSIENT = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

export async function createTopicsAndWait(kafka: Kafka, topics: string[], timeoutMs = 15_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: 1 })),
        waitForLeaders: false,
      });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics });
        const ready = metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (ready) return;
      } catch (error) {
        if (!TRANSIENT.has((error as { type?: string }).type ?? '')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}
