import { DeciderSpecification } from '@neuroforge/events';
import { describe, expect, it } from 'vitest';
import type { ModelCommand } from './model.commands';
import { modelDecider } from './model.decider';
import type { ModelEvent } from './model.events';
import { snapshotOf } from './model.history';
import type { ArtifactRecord, LineageRecord } from './model.types';

const spec = DeciderSpecification.for(modelDecider);

const created: ModelEvent = {
  type: 'model_created',
  data: {
    modelId: 'id-1',
    name: 'tiny',
    architecture: 'ARCHITECTURE_RETNET',
    description: 'a tiny model',
    tags: ['chat'],
    createdByUserId: 'u1',
  },
};
const weights: ArtifactRecord = {
  name: 'model.safetensors',
  sha256: 'a'.repeat(64),
  sizeBytes: '10',
  kind: 'ARTIFACT_KIND_SAFETENSORS',
  uri: `file:///artifacts/sha256/aa/${'a'.repeat(64)}`,
};
const upload: LineageRecord = { source: 'LINEAGE_SOURCE_UPLOAD', trainingJobId: '', datasetSha256: '', baseModel: '' };
const v1: ModelEvent = {
  type: 'version_registered',
  data: {
    modelName: 'tiny',
    version: 1,
    architecture: 'ARCHITECTURE_RETNET',
    artifacts: [weights],
    tokenizerId: 'byte',
    configJson: '{}',
    lineage: upload,
  },
};
const v2: ModelEvent = { type: 'version_registered', data: { ...v1.data, version: 2 } } as ModelEvent;
const deleted: ModelEvent = { type: 'model_deleted', data: { name: 'tiny' } };

function register(extra: Partial<Extract<ModelCommand, { type: 'register_version' }>['data']> = {}): ModelCommand {
  return {
    type: 'register_version',
    data: {
      modelName: 'tiny',
      artifacts: [weights],
      tokenizerId: 'byte',
      configJson: '{}',
      lineage: upload,
      aliases: [],
      ...extra,
    },
  };
}

describe('Model decider', () => {
  describe('create_model', () => {
    it('creates a model that does not exist yet', () => {
      spec
        .given([])
        .when({ type: 'create_model', data: created.data as Extract<ModelCommand, { type: 'create_model' }>['data'] })
        .then([created]);
    });

    it('drops duplicate tags, keeping their order', () => {
      const data = { ...(created.data as { tags: string[] }), tags: ['b', 'a', 'b'] };
      const [event] = modelDecider.decide({ type: 'create_model', data } as ModelCommand, { status: 'none' });
      expect((event?.data as { tags?: string[] } | undefined)?.tags).toEqual(['b', 'a']);
    });

    it('refuses a name that is taken', () => {
      spec
        .given([created])
        .when({ type: 'create_model', data: created.data as never })
        .thenThrows('MODELS.ALREADY_EXISTS');
    });

    it('refuses the name of a deleted model (names are never reused)', () => {
      const error = spec.given([created, deleted]).when({ type: 'create_model', data: created.data as never });
      expect(error.thenThrows('MODELS.ALREADY_EXISTS').message).toContain('deleted');
    });

    it('refuses a name with upper-case letters', () => {
      spec
        .given([])
        .when({ type: 'create_model', data: { ...(created.data as never as object), name: 'Tiny' } as never })
        .thenThrows('MODELS.INVALID_ARGUMENT');
    });
  });

  describe('update_model', () => {
    it('records the description and tags after the change', () => {
      spec
        .given([created])
        .when({ type: 'update_model', data: { name: 'tiny', tags: ['chat', 'small'] } })
        .then([
          { type: 'model_updated', data: { name: 'tiny', description: 'a tiny model', tags: ['chat', 'small'] } },
        ]);
    });

    it('changes nothing when the values are the same', () => {
      spec
        .given([created])
        .when({ type: 'update_model', data: { name: 'tiny', description: 'a tiny model', tags: ['chat'] } })
        .then([]);
    });

    it('refuses an unknown model', () => {
      spec
        .given([])
        .when({ type: 'update_model', data: { name: 'tiny', description: 'x' } })
        .thenThrows('MODELS.NOT_FOUND');
    });

    it('refuses a deleted model', () => {
      spec
        .given([created, deleted])
        .when({ type: 'update_model', data: { name: 'tiny', description: 'x' } })
        .thenThrows('MODELS.DELETED');
    });
  });

  describe('delete_model', () => {
    it('soft-deletes with an event', () => {
      spec
        .given([created])
        .when({ type: 'delete_model', data: { name: 'tiny' } })
        .then([deleted]);
    });

    it('refuses to delete twice', () => {
      spec
        .given([created, deleted])
        .when({ type: 'delete_model', data: { name: 'tiny' } })
        .thenThrows('MODELS.DELETED');
    });
  });

  describe('register_version', () => {
    it('numbers the first version 1', () => {
      spec.given([created]).when(register()).then([v1]);
    });

    it('numbers the next version after the latest', () => {
      spec.given([created, v1]).when(register()).then([v2]);
    });

    it('points the requested aliases at the new version, saying where they pointed before', () => {
      const moved: ModelEvent = { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 1 } };
      spec
        .given([created, v1, moved])
        .when(register({ aliases: ['prod', 'latest'] }))
        .then([
          v2,
          { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 2, previousVersion: 1 } },
          { type: 'alias_moved', data: { modelName: 'tiny', alias: 'latest', version: 2 } },
        ]);
    });

    it('adds nothing when only the first version was asked for and one exists', () => {
      spec
        .given([created, v1])
        .when(register({ onlyIfFirst: true }))
        .then([]);
    });

    it('refuses a version without artifacts', () => {
      spec
        .given([created])
        .when(register({ artifacts: [] }))
        .thenThrows('MODELS.INVALID_ARGUMENT');
    });

    it('refuses two artifacts with one name, naming the field', () => {
      const error = spec.given([created]).when(register({ artifacts: [weights, weights] }));
      expect(error.thenThrows('MODELS.INVALID_ARGUMENT').message).toContain('artifacts[1].name');
    });

    it('refuses a deleted model', () => {
      spec.given([created, deleted]).when(register()).thenThrows('MODELS.DELETED');
    });

    it('refuses an unknown model', () => {
      spec.given([]).when(register()).thenThrows('MODELS.NOT_FOUND');
    });
  });

  describe('set_alias', () => {
    const setAlias = (version: number, alias = 'prod'): ModelCommand => ({
      type: 'set_alias',
      data: { modelName: 'tiny', alias, version },
    });

    it('creates an alias without a previous version', () => {
      spec
        .given([created, v1])
        .when(setAlias(1))
        .then([{ type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 1 } }]);
    });

    it('moves an alias and records the previous version', () => {
      spec
        .given([created, v1, v2, { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 1 } }])
        .when(setAlias(2))
        .then([{ type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 2, previousVersion: 1 } }]);
    });

    it('changes nothing when the alias already points at the version', () => {
      spec
        .given([created, v1, { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 1 } }])
        .when(setAlias(1))
        .then([]);
    });

    it('refuses a version that does not exist', () => {
      spec.given([created, v1]).when(setAlias(2)).thenThrows('MODELS.VERSION_NOT_FOUND');
    });

    it('refuses an alias that could be read as a version number', () => {
      spec.given([created, v1]).when(setAlias(1, '3')).thenThrows('MODELS.INVALID_ARGUMENT');
    });
  });

  describe('snapshotOf', () => {
    it('folds the state and takes times from the envelopes', () => {
      const snapshot = snapshotOf([
        { event: created, time: '2026-01-01T00:00:00.000Z' },
        { event: v1, time: '2026-01-02T00:00:00.000Z' },
        {
          event: { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 1 } },
          time: '2026-01-03T00:00:00.000Z',
        },
      ]);
      expect(snapshot.state).toMatchObject({ status: 'active', aliases: { prod: 1 } });
      expect(snapshot.createdAt).toBe('2026-01-01T00:00:00.000Z');
      expect(snapshot.updatedAt).toBe('2026-01-03T00:00:00.000Z');
      expect(snapshot.versionCreatedAt.get(1)).toBe('2026-01-02T00:00:00.000Z');
      expect(snapshot.streamVersion).toBe(3);
    });
  });
});
