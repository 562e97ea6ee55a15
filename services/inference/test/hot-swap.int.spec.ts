// Hot swap driven by the model registry's events on Kafka: an alias moves while requests stream — none fails,
// they finish on the old version, new requests get the new one, and the old version is disposed after its last
// request. A deleted model is unloaded.
import { randomUUID } from 'node:crypto';
import type { modelsEvents } from '@neuroforge/contracts';
import { type EventEnvelope, toKafkaMessage } from '@neuroforge/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelRef } from '../src/domain/model-ref';
import { type CallError, greedy, type InferenceHarness, startInference } from './inference-fixture';

let h: InferenceHarness;
let streamVersion = 0;

beforeAll(async () => {
  h = await startInference({ NEUROFORGE_INFERENCE__MAX_BATCH_SIZE: '8' });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** Publishes a registry event on this test's models topic, as the registry's outbox relay would. */
async function publish<D extends object>(type: string, data: D, version = ++streamVersion): Promise<void> {
  const envelope: EventEnvelope<D> = {
    specversion: '1.0',
    id: randomUUID(),
    source: 'neuroforge/model-registry',
    type,
    subject: 'model-tiny',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    streamversion: version,
    data,
  };
  const producer = h.kafka.producer();
  await producer.connect();
  await producer.send({ topic: h.modelsTopic, messages: [toKafkaMessage(envelope)] });
  await producer.disconnect();
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const routedVersion = () => h.serving.routed(parseModelRef('tiny', 'tiny'))?.resolved.version;

describe('hot swap on model events', () => {
  it('moves the alias to the new version while requests stream, failing none', async () => {
    const old = h.serving.routed(parseModelRef('tiny', 'tiny'));
    expect(old?.resolved.version).toBe(1);
    const streams = Array.from({ length: 6 }, (_, i) =>
      h.client.stream({ prompt: `keep going ${i}`, parameters: greedy(120, { temperature: 1, seed: String(i) }) }),
    );
    await until(() => (old?.scheduler.runningCount ?? 0) >= 6, 'six running requests');

    const moved: modelsEvents.AliasMoved = { modelName: 'tiny', alias: 'latest', version: 2, previousVersion: 1 };
    await publish('neuroforge.models.alias_moved.v1', moved);
    await until(() => routedVersion() === 2, 'the route to move to version 2');
    expect(old?.scheduler.inFlight).toBeGreaterThan(0); // the old version still serves its requests

    const fresh = await h.client.generate({ prompt: 'after the move', parameters: greedy(4) });
    expect(fresh.model?.version).toBe(2);

    const finished = await Promise.all(streams.map((s) => s.done));
    for (const messages of finished) {
      expect(messages[0]?.prompt?.model?.version).toBe(1);
      expect(['FINISH_REASON_LENGTH', 'FINISH_REASON_EOS_TOKEN']).toContain(messages.at(-1)?.end?.finishReason);
    }
    // Disposed once its last request ended: its sessions refuse to run.
    await until(() => old?.scheduler.inFlight === 0, 'the old version to drain');
    await expect(
      (async () => {
        for (let i = 0; i < 100; i++) {
          await old?.engine.model.prefill([1]);
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
    ).rejects.toThrow(/dispose/);
    expect((await h.client.info()).models.map((m) => m.version)).toEqual([2]);
  });

  it('ignores a replayed event and unloads a deleted model', async () => {
    // The same alias_moved again (a redelivery) changes nothing.
    await publish(
      'neuroforge.models.alias_moved.v1',
      { modelName: 'tiny', alias: 'latest', version: 1 },
      streamVersion,
    );
    await new Promise((r) => setTimeout(r, 1500)); // a processed replay would load version 1 well within this
    expect(routedVersion()).toBe(2);
    const deleted: modelsEvents.ModelDeleted = { name: 'tiny' };
    await publish('neuroforge.models.model_deleted.v1', deleted);
    await until(() => routedVersion() === undefined, 'the model to be unloaded');
    expect((await h.client.modelHealth('tiny')).status).toBe('MODEL_STATUS_NOT_LOADED');
    let error: CallError | undefined;
    try {
      await h.client.generate({ prompt: 'anyone there?', parameters: greedy(2) });
    } catch (e) {
      error = e as CallError;
    }
    expect(error?.metadata.get('neuroforge-error-code')).toEqual(['INFERENCE.MODEL_NOT_FOUND']);
    const ready = await fetch(`http://127.0.0.1:${h.service.ports.metrics}/health/ready`);
    expect(ready.status).toBe(503);
  });
});
