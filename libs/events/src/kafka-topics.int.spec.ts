// ensureTopics against the local Kafka (127.0.0.1:9092): topics are usable the moment it resolves.
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopics, dlqTopic, ensureTopics } from './kafka-topics';
import { testKafka, uniqueName } from './stack.fixture';

const kafka = testKafka();
const created: string[] = [];

function topicName(): string {
  const topic = uniqueName('nf-test-topics');
  created.push(topic, dlqTopic(topic));
  return topic;
}

async function partitionLeaders(topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return (topics[0]?.partitions ?? []).sort((a, b) => a.partitionId - b.partitionId).map((p) => p.leader);
  } finally {
    await admin.disconnect();
  }
}

afterAll(async () => {
  await deleteTopics(kafka, created);
});

describe('ensureTopics', () => {
  it('creates missing topics whose every partition takes writes as soon as it resolves', async () => {
    const topic = topicName();
    await ensureTopics(kafka, [topic, dlqTopic(topic)], { numPartitions: 3 });

    const leaders = await partitionLeaders(topic);
    expect(leaders).toHaveLength(3);
    expect(leaders.every((leader) => leader >= 0)).toBe(true);
    // The race this guards against: a producer used right after creation got "does not host this topic-partition".
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    try {
      const acks = await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2].map((partition) => ({ partition, value: `p${partition}` })),
      });
      expect(acks.map((a) => a.partition).sort()).toEqual([0, 1, 2]);
      const dlqAck = await producer.send({ topic: dlqTopic(topic), acks: -1, messages: [{ value: 'x' }] });
      expect(dlqAck[0]?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('leaves existing topics as they are and can be called again', async () => {
    const topic = topicName();
    await ensureTopics(kafka, [topic], { numPartitions: 2 });
    await ensureTopics(kafka, [topic], { numPartitions: 5 });
    await ensureTopics(kafka, [topic, topic]);
    expect(await partitionLeaders(topic)).toHaveLength(2);
  });

  it('lets several processes ensure the same new topic at once', async () => {
    const topic = topicName();
    const others = [testKafka(), testKafka(), testKafka()];
    await Promise.all(others.map((client) => ensureTopics(client, [topic], { numPartitions: 2 })));
    expect(await partitionLeaders(topic)).toHaveLength(2);
  });

  it('resolves at once for no topics', async () => {
    await expect(ensureTopics(kafka, [])).resolves.toBeUndefined();
  });
});
