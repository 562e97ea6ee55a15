import { describe, expect, it } from 'vitest';
import {
  ceSource,
  ceType,
  EnvelopeValidationError,
  type EventEnvelope,
  fromKafkaMessage,
  parseCeType,
  toKafkaMessage,
  validateEnvelope,
} from './envelope';

const envelope: EventEnvelope<{ modelId: string; tags: string[]; 'weird.key': number }> = {
  specversion: '1.0',
  id: '3b241101-e2bb-4255-8caf-4136c566a962',
  source: 'neuroforge/model-registry',
  type: 'neuroforge.models.version_registered.v1',
  subject: 'model-42',
  time: '2025-01-02T03:04:05.678Z',
  datacontenttype: 'application/json',
  streamversion: 7,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  correlationid: 'req-1',
  causationid: 'cmd-1',
  data: { modelId: 'm42', tags: ['a', 'b'], 'weird.key': 1.5 },
};

// What kafkajs hands a consumer: header values as Buffers.
function asDelivered(message: ReturnType<typeof toKafkaMessage>) {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(message.headers)) headers[k] = Buffer.from(v);
  return { key: Buffer.from(message.key), value: Buffer.from(message.value), headers };
}

describe('CloudEvents envelope', () => {
  it('maps to a binary-mode Kafka message: key = subject, ce_* headers, JSON value', () => {
    const message = toKafkaMessage(envelope);
    expect(message.key).toBe('model-42');
    expect(JSON.parse(message.value)).toEqual(envelope.data);
    expect(message.headers).toMatchObject({
      ce_id: envelope.id,
      ce_specversion: '1.0',
      ce_type: envelope.type,
      ce_source: envelope.source,
      ce_subject: 'model-42',
      ce_time: envelope.time,
      ce_streamversion: '7',
      ce_traceparent: envelope.traceparent,
      ce_correlationid: 'req-1',
      ce_causationid: 'cmd-1',
      'content-type': 'application/json',
    });
    expect(Object.values(message.headers).every((v) => typeof v === 'string')).toBe(true);
  });

  it('round-trips through Kafka unchanged', () => {
    expect(fromKafkaMessage(asDelivered(toKafkaMessage(envelope)))).toEqual(envelope);
  });

  it('round-trips without the optional extensions', () => {
    const { traceparent: _t, correlationid: _c, causationid: _k, ...bare } = envelope;
    expect(fromKafkaMessage(asDelivered(toKafkaMessage(bare)))).toEqual(bare);
  });

  it('rejects a message that is not a CloudEvent', () => {
    expect(() => fromKafkaMessage({ key: 'k', value: Buffer.from('{}'), headers: {} })).toThrow(
      EnvelopeValidationError,
    );
  });

  it('rejects a value that is not JSON', () => {
    const message = { ...asDelivered(toKafkaMessage(envelope)), value: Buffer.from('{not json') };
    expect(() => fromKafkaMessage(message)).toThrow(/not valid JSON/);
  });

  it('rejects a missing or invalid stream version', () => {
    const message = asDelivered(toKafkaMessage(envelope));
    message.headers.ce_streamversion = Buffer.from('zero');
    expect(() => fromKafkaMessage(message)).toThrow(/streamversion/);
    delete (message.headers as Record<string, Buffer | undefined>).ce_streamversion;
    expect(() => fromKafkaMessage(message)).toThrow(/streamversion/);
  });

  it('rejects a key that differs from the subject', () => {
    const message = { ...asDelivered(toKafkaMessage(envelope)), key: Buffer.from('other') };
    expect(() => fromKafkaMessage(message)).toThrow(/differs from subject/);
  });

  it('lists every problem of an invalid envelope', () => {
    try {
      validateEnvelope({ ...envelope, type: 'ModelRegistered', source: 'registry', subject: '', streamversion: 0 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvelopeValidationError);
      const problems = (error as EnvelopeValidationError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join(' ')).toMatch(/type.*source|source.*type/);
    }
  });

  it('refuses to serialise an invalid envelope', () => {
    expect(() => toKafkaMessage({ ...envelope, traceparent: 'garbage' })).toThrow(/traceparent/);
  });

  it('builds and parses type and source names', () => {
    expect(ceType('models', 'version_registered')).toBe('neuroforge.models.version_registered.v1');
    expect(ceType('training', 'job_started', 2)).toBe('neuroforge.training.job_started.v2');
    expect(parseCeType('neuroforge.models.version_registered.v1')).toEqual({
      context: 'models',
      eventType: 'version_registered',
      schemaVersion: 1,
    });
    expect(parseCeType('com.example.thing')).toBeUndefined();
    expect(() => ceType('models', 'VersionRegistered')).toThrow(EnvelopeValidationError);
    expect(ceSource('model-registry')).toBe('neuroforge/model-registry');
    expect(() => ceSource('Model Registry')).toThrow(EnvelopeValidationError);
  });
});
