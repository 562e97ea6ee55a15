// Event payloads must be exactly the proto messages' JSON: a round trip through the proto drops nothing and adds
// nothing (with the runtime shapes of docs/api/grpc.md: camelCase, enums by name, uint64 as strings).
import { join } from 'node:path';
import { EVENT_CATALOGUE, PROTO_ROOT } from '@neuroforge/contracts';
import { ceType } from '@neuroforge/events';
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { ModelEvent } from './model.events';
import { MODELS_CONTEXT } from './model.events';

const samples: ModelEvent[] = [
  {
    type: 'model_created',
    data: {
      modelId: 'id',
      name: 'tiny',
      architecture: 'ARCHITECTURE_RETNET',
      description: 'd',
      tags: ['a'],
      createdByUserId: '',
    },
  },
  { type: 'model_updated', data: { name: 'tiny', description: 'e', tags: [] } },
  { type: 'model_deleted', data: { name: 'tiny' } },
  {
    type: 'version_registered',
    data: {
      modelName: 'tiny',
      version: 1,
      architecture: 'ARCHITECTURE_RETNET',
      artifacts: [
        {
          name: 'config.json',
          sha256: 'b'.repeat(64),
          sizeBytes: '9007199254740993',
          kind: 'ARTIFACT_KIND_CONFIG',
          uri: 'file:///x',
        },
      ],
      tokenizerId: 'byte',
      configJson: '{}',
      lineage: {
        source: 'LINEAGE_SOURCE_TRAINING_JOB',
        trainingJobId: 'job-1',
        datasetSha256: 'c'.repeat(64),
        finalLoss: 1.25,
        baseModel: '',
      },
    },
  },
  { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 2, previousVersion: 1 } },
  { type: 'alias_moved', data: { modelName: 'tiny', alias: 'prod', version: 1 } },
];

describe('model event payloads', () => {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
  root.loadSync('neuroforge/models/v1/events.proto', { keepCase: false });

  for (const sample of samples) {
    it(`${sample.type} is the proto message ${EVENT_CATALOGUE[ceType(MODELS_CONTEXT, sample.type) as keyof typeof EVENT_CATALOGUE]?.message}`, () => {
      const entry = EVENT_CATALOGUE[ceType(MODELS_CONTEXT, sample.type) as keyof typeof EVENT_CATALOGUE];
      expect(entry?.topic).toBe('neuroforge.models.events');
      const type = root.lookupType(entry?.message ?? '');
      const decoded = type.toObject(type.decode(type.encode(type.fromObject(sample.data)).finish()), {
        enums: String,
        longs: String,
        defaults: true,
        arrays: true,
      });
      expect(decoded).toEqual(sample.data);
    });
  }
});
