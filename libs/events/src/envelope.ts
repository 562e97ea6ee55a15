// The CloudEvents 1.0 envelope every NeuroForge event travels in, and its Kafka binary-mode mapping.
//
// Binary mode (attributes in `ce_*` headers, the event's JSON data as the message value) was chosen over
// structured mode because consumers can route and drop by `ce_type` without parsing the value, the value
// stays the plain domain payload, and W3C `traceparent` sits in a header where OpenTelemetry expects it.
import { CloudEvent, Kafka, ValidationError } from 'cloudevents';

export const DATA_CONTENT_TYPE = 'application/json';

/** A CloudEvents 1.0 event as NeuroForge publishes it. Extension names are lower-case, as the spec requires. */
export interface EventEnvelope<D = unknown> {
  readonly specversion: '1.0';
  /** Unique event id (uuid v4); consumers de-duplicate on it. */
  readonly id: string;
  /** `neuroforge/<service>`, e.g. `neuroforge/model-registry`. */
  readonly source: string;
  /** `neuroforge.<context>.<event>.v<n>`, e.g. `neuroforge.models.version_registered.v1`. */
  readonly type: string;
  /** The stream (aggregate instance) the event belongs to. */
  readonly subject: string;
  /** When the event was appended (ISO 8601, UTC). */
  readonly time: string;
  readonly datacontenttype: typeof DATA_CONTENT_TYPE;
  /** The event's version inside its stream: 1, 2, 3, ... (consumers de-duplicate and order on it). */
  readonly streamversion: number;
  /** W3C trace context of the request that caused the event. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** Id shared by everything one user request caused. */
  readonly correlationid?: string;
  /** Id of the message (command or event) that directly caused this one. */
  readonly causationid?: string;
  readonly data: D;
}

/** A Kafka message in the shape kafkajs produces: string headers, JSON text value. */
export interface OutgoingKafkaMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp?: string;
}

/** A Kafka message in the shape kafkajs delivers (headers may be Buffers, arrays or missing). */
export interface IncomingKafkaMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** The envelope or message breaks the contract; `problems` lists every reason. Never worth retrying. */
export class EnvelopeValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid event envelope: ${problems.join('; ')}`);
    this.name = 'EnvelopeValidationError';
  }
}

const CE_TYPE = /^neuroforge\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.v([1-9][0-9]*)$/;
const CE_SOURCE = /^neuroforge\/[a-z][a-z0-9-]*$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** `ceType('models', 'version_registered')` → `neuroforge.models.version_registered.v1`. */
export function ceType(context: string, eventType: string, schemaVersion = 1): string {
  const type = `neuroforge.${context}.${eventType}.v${schemaVersion}`;
  if (!CE_TYPE.test(type)) {
    throw new EnvelopeValidationError([
      `type ${JSON.stringify(type)} must match neuroforge.<context>.<event>.v<n> (lower snake case names)`,
    ]);
  }
  return type;
}

/** Splits `neuroforge.<context>.<event>.v<n>`; undefined when the type does not follow the convention. */
export function parseCeType(type: string): { context: string; eventType: string; schemaVersion: number } | undefined {
  const match = CE_TYPE.exec(type);
  if (!match) return undefined;
  return { context: match[1], eventType: match[2], schemaVersion: Number(match[3]) };
}

/** `ceSource('model-registry')` → `neuroforge/model-registry`. */
export function ceSource(service: string): string {
  const source = `neuroforge/${service}`;
  if (!CE_SOURCE.test(source)) {
    throw new EnvelopeValidationError([`source ${JSON.stringify(source)} must be neuroforge/<service> (kebab case)`]);
  }
  return source;
}

/** NeuroForge's rules on top of the CloudEvents spec; returns the problems found (empty when valid). */
export function envelopeProblems(envelope: Partial<Record<keyof EventEnvelope, unknown>>): string[] {
  const problems: string[] = [];
  const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  if (envelope.specversion !== '1.0') problems.push(`specversion must be 1.0, got ${String(envelope.specversion)}`);
  if (!isText(envelope.id)) problems.push('id is required');
  if (!isText(envelope.source) || !CE_SOURCE.test(envelope.source))
    problems.push('source must be neuroforge/<service>');
  if (!isText(envelope.type) || !CE_TYPE.test(envelope.type)) {
    problems.push('type must be neuroforge.<context>.<event>.v<n>');
  }
  if (!isText(envelope.subject)) problems.push('subject (the stream id) is required');
  if (!isText(envelope.time) || Number.isNaN(Date.parse(envelope.time))) problems.push('time must be an ISO 8601 date');
  if (envelope.datacontenttype !== DATA_CONTENT_TYPE) problems.push(`datacontenttype must be ${DATA_CONTENT_TYPE}`);
  const version = envelope.streamversion;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    problems.push('streamversion must be an integer >= 1');
  }
  if (envelope.traceparent !== undefined && !(isText(envelope.traceparent) && TRACEPARENT.test(envelope.traceparent))) {
    problems.push('traceparent must be a W3C trace context header value');
  }
  if (envelope.data === null || typeof envelope.data !== 'object') problems.push('data must be a JSON object');
  return problems;
}

/** Throws EnvelopeValidationError unless the envelope follows CloudEvents 1.0 and NeuroForge's rules. */
export function validateEnvelope(envelope: Partial<Record<keyof EventEnvelope, unknown>>): void {
  const problems = envelopeProblems(envelope);
  if (problems.length === 0) {
    try {
      new CloudEvent({ ...(envelope as Record<string, unknown>) }, true); // the spec's own checks (attribute names, types, required fields)
    } catch (error) {
      problems.push(...specErrors(error));
    }
  }
  if (problems.length > 0) throw new EnvelopeValidationError(problems);
}

/**
 * Envelope → Kafka binary-mode message: key = subject (so one stream stays on one partition, in order),
 * attributes as `ce_*` headers, `content-type: application/json`, value = the data as JSON text.
 * `dataJson` lets a caller that already holds the JSON text (the outbox relay) skip re-serialising it.
 */
export function toKafkaMessage(
  envelope: EventEnvelope,
  dataJson = JSON.stringify(envelope.data),
): OutgoingKafkaMessage {
  validateEnvelope(envelope);
  const { data: _data, ...attributes } = envelope;
  const binary = Kafka.binary(new CloudEvent({ ...attributes, data: dataJson }, false));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(binary.headers)) {
    if (value !== undefined && value !== null) headers[name] = String(value);
  }
  return { key: envelope.subject, value: dataJson, headers, timestamp: String(Date.parse(envelope.time)) };
}

/** Kafka binary-mode message → validated envelope. Throws EnvelopeValidationError for anything malformed. */
export function fromKafkaMessage<D = unknown>(message: IncomingKafkaMessage): EventEnvelope<D> {
  const headers = headersAsText(message.headers);
  if (!headers.ce_id) throw new EnvelopeValidationError(['not a binary-mode CloudEvent: header ce_id is missing']);
  if (message.value === null || message.value === undefined) {
    throw new EnvelopeValidationError(['message has no value']);
  }
  const value = typeof message.value === 'string' ? message.value : message.value.toString('utf8');
  let parsed: CloudEvent<unknown>;
  try {
    const event = Kafka.toEvent({ headers, body: value, key: keyAsText(message.key), value } as never);
    if (Array.isArray(event)) throw new EnvelopeValidationError(['batched CloudEvents are not supported']);
    parsed = event as CloudEvent<unknown>;
  } catch (error) {
    if (error instanceof EnvelopeValidationError) throw error;
    throw new EnvelopeValidationError(
      error instanceof SyntaxError ? [`data is not valid JSON: ${error.message}`] : specErrors(error),
    );
  }
  const version = Number(headers.ce_streamversion);
  const envelope = {
    specversion: parsed.specversion,
    id: parsed.id,
    source: parsed.source,
    type: parsed.type,
    subject: parsed.subject,
    time: parsed.time,
    datacontenttype: parsed.datacontenttype,
    streamversion: headers.ce_streamversion === undefined || headers.ce_streamversion === '' ? undefined : version,
    ...optional('traceparent', headers.ce_traceparent),
    ...optional('tracestate', headers.ce_tracestate),
    ...optional('correlationid', headers.ce_correlationid),
    ...optional('causationid', headers.ce_causationid),
    data: parsed.data,
  };
  validateEnvelope(envelope);
  const key = keyAsText(message.key);
  if (key !== undefined && key !== envelope.subject) {
    throw new EnvelopeValidationError([`message key ${key} differs from subject ${String(envelope.subject)}`]);
  }
  return envelope as EventEnvelope<D>;
}

/** kafkajs delivers header values as Buffers (or arrays of them); the CloudEvents binding wants strings. */
export function headersAsText(headers: IncomingKafkaMessage['headers']): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name.toLowerCase()] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return text;
}

function keyAsText(key: IncomingKafkaMessage['key']): string | undefined {
  if (key === null || key === undefined) return undefined;
  return typeof key === 'string' ? key : key.toString('utf8');
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [name]: value } as Record<K, string>);
}

function specErrors(error: unknown): string[] {
  if (error instanceof ValidationError) {
    const details = (error.errors ?? []).map((e) => (typeof e === 'string' ? e : `${e.instancePath} ${e.message}`));
    return [error.message.split('\n')[0], ...details];
  }
  return [error instanceof Error ? error.message : String(error)];
}
