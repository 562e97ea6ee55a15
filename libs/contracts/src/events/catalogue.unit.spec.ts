import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PROTO_ROOT } from '../proto-root';
import {
  type ContextEvent,
  EVENT_CATALOGUE,
  EVENT_CONTEXTS,
  type EventPayload,
  type EventType,
  eventTypesOf,
  isEventType,
  TOPICS,
  topicOf,
  typedEvent,
} from './catalogue';

/** Fully-qualified names of the messages declared in one context's events.proto (not those it imports). */
function eventMessagesOf(context: string): string[] {
  const file = join(PROTO_ROOT, `neuroforge/${context}/v1/events.proto`);
  const root = new protobuf.Root();
  // Imports are relative to PROTO_ROOT; protobufjs ships google/protobuf/* itself.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_ROOT, target));
  root.loadSync(`neuroforge/${context}/v1/events.proto`, { keepCase: true });
  const names: string[] = [];
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type && nested.filename === file) names.push(nested.fullName.slice(1));
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  return names.sort();
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter, offset: number) => (offset ? '_' : '') + letter.toLowerCase());
}

describe('event catalogue', () => {
  it.each(EVENT_CONTEXTS)('%s: lists exactly the messages of its events.proto', (context) => {
    const declared = eventMessagesOf(context);
    expect(declared.length).toBeGreaterThan(0);
    const catalogued = Object.values(EVENT_CATALOGUE)
      .filter((entry) => entry.context === context)
      .map((entry) => entry.message)
      .sort();
    expect(catalogued).toEqual(declared);
  });

  it('names each type neuroforge.<context>.<snake_case message>.v1 and puts it on its context topic', () => {
    for (const [type, entry] of Object.entries(EVENT_CATALOGUE)) {
      const message = entry.message.split('.').at(-1) ?? '';
      expect(type).toBe(`neuroforge.${entry.context}.${snakeCase(message)}.v1`);
      expect(entry.topic).toBe(`neuroforge.${entry.context}.events`);
      expect(topicOf(type as EventType)).toBe(TOPICS[entry.context]);
    }
  });

  it('recognises catalogued types only', () => {
    expect(isEventType('neuroforge.models.version_registered.v1')).toBe(true);
    expect(isEventType('neuroforge.models.version_registered.v2')).toBe(false);
    expect(isEventType('toString')).toBe(false);
  });

  it('lists one context’s event types', () => {
    expect(eventTypesOf('inference')).toEqual(['neuroforge.inference.generation_completed.v1']);
    expect(eventTypesOf('models')).toContain('neuroforge.models.alias_moved.v1');
    expect(eventTypesOf('models').every((type) => type.startsWith('neuroforge.models.'))).toBe(true);
  });

  it('types each payload by its event type', () => {
    const event = typedEvent('neuroforge.models.alias_moved.v1', {
      modelName: 'tiny-retnet',
      alias: 'production',
      version: 2,
      previousVersion: 1,
    });
    expect(event.data.version).toBe(2);
    expectTypeOf<EventPayload<'neuroforge.models.alias_moved.v1'>>().toHaveProperty('previousVersion');
    expectTypeOf<ContextEvent<'auth'>['type']>().toEqualTypeOf<
      | 'neuroforge.auth.user_registered.v1'
      | 'neuroforge.auth.user_logged_in.v1'
      | 'neuroforge.auth.login_failed.v1'
      | 'neuroforge.auth.role_changed.v1'
      | 'neuroforge.auth.api_key_created.v1'
      | 'neuroforge.auth.api_key_revoked.v1'
      | 'neuroforge.auth.refresh_token_reused.v1'
    >();
    // @ts-expect-error a payload of another event type is rejected by the compiler
    typedEvent('neuroforge.models.model_deleted.v1', { modelName: 'x', alias: 'a', version: 1 });
  });
});
