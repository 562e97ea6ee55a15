import { describe, expect, it } from 'vitest';
import { DeciderSpecification } from './decider-specification';
import { DomainError, foldEvents } from './event';
import { type ModelEvent, modelDecider } from './model.fixture';

const spec = DeciderSpecification.for(modelDecider);
const now = '2025-01-02T03:04:05.000Z';
const registered: ModelEvent = {
  type: 'model_registered',
  data: { modelId: 'm1', name: 'retnet-s', registeredAt: now },
};

describe('decider given/when/then', () => {
  it('registers a new model', () => {
    spec
      .given([])
      .when({ type: 'register_model', data: { modelId: 'm1', name: 'retnet-s', now } })
      .then([registered]);
  });

  it('refuses to register a model twice with a stable code', () => {
    const error = spec
      .given([registered])
      .when({ type: 'register_model', data: { modelId: 'm1', name: 'again', now } })
      .thenThrows('MODELS.ALREADY_EXISTS');
    expect(error.message).toContain('m1');
  });

  it('numbers versions from the folded state', () => {
    spec
      .given([
        registered,
        { type: 'version_added', data: { modelId: 'm1', version: 1, artifactUri: 's3://a', addedAt: now } },
      ])
      .when({ type: 'add_version', data: { modelId: 'm1', artifactUri: 's3://b', now } })
      .then([{ type: 'version_added', data: { modelId: 'm1', version: 2, artifactUri: 's3://b', addedAt: now } }]);
  });

  it('decides nothing for an idempotent command', () => {
    spec
      .given([registered, { type: 'model_archived', data: { modelId: 'm1', archivedAt: now } }])
      .when({ type: 'archive_model', data: { modelId: 'm1', now } })
      .then([]);
  });

  it('then() fails when the events differ', () => {
    expect(() =>
      spec
        .given([])
        .when({ type: 'register_model', data: { modelId: 'm1', name: 'x', now } })
        .then([registered]),
    ).toThrow();
  });

  it('thenThrows() fails when the command succeeds or throws another code', () => {
    expect(() =>
      spec
        .given([])
        .when({ type: 'register_model', data: { modelId: 'm1', name: 'x', now } })
        .thenThrows('MODELS.ALREADY_EXISTS'),
    ).toThrow(/produced/);
    expect(() =>
      spec
        .given([])
        .when({ type: 'add_version', data: { modelId: 'm1', artifactUri: 's3://a', now } })
        .thenThrows('MODELS.ARCHIVED'),
    ).toThrow(/MODELS.NOT_FOUND/);
  });

  it('foldEvents rebuilds state from history', () => {
    expect(foldEvents(modelDecider, [registered])).toEqual({ status: 'active', name: 'retnet-s', versions: 0 });
  });

  it('DomainError carries code and details', () => {
    const error = new DomainError('MODELS.NOT_FOUND', 'no such model', { modelId: 'm9' });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('MODELS.NOT_FOUND');
    expect(error.details).toEqual({ modelId: 'm9' });
  });
});
