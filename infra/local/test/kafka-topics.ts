import type { Admin } from 'kafkajs';

// kafkajs' `createTopics({ waitForLeaders: true })` retries only LEADER_NOT_AVAILABLE, but a KRaft broker
// answers UNKNOWN_TOPIC_OR_PARTITION for a moment after a create while its metadata cache catches up
// (docs/infra/kafka.md). So create without waiting and poll the metadata until every partition has a leader.
const TRANSIENT = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

export async function createTopicAndWait(admin: Admin, topic: string, numPartitions: number, timeoutMs = 10_000) {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length === numPartitions && partitions.every((p) => p.leader >= 0)) return created;
    } catch (error) {
      if (!TRANSIENT.has((error as { type?: string }).type ?? '')) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topic ${topic} has no leader for every partition after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
