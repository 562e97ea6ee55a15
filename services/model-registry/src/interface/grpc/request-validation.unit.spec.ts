import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../domain/model.errors';
import {
  createModelCommand,
  encodePageToken,
  listModelsQuery,
  registerVersionCommand,
  resolveAliasQuery,
  setAliasCommand,
  updateModelCommand,
} from './request-validation';

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations.map((v) => v.field);
    throw error;
  }
  throw new Error('expected InvalidArgumentError');
}

const artifact = {
  name: 'model.safetensors',
  sha256: 'a'.repeat(64),
  sizeBytes: '10',
  kind: 'ARTIFACT_KIND_SAFETENSORS',
  uri: 'file:///tmp/model.safetensors',
};
const lineage = { source: 'LINEAGE_SOURCE_UPLOAD', trainingJobId: '', datasetSha256: '', baseModel: '' };

describe('request validation', () => {
  it('accepts a valid CreateModel and passes the caller through', () => {
    const command = createModelCommand(
      { name: 'tiny-1.0', architecture: 'ARCHITECTURE_RETNET', description: '', tags: ['chat'] } as never,
      'user-7',
    );
    expect(command).toMatchObject({ name: 'tiny-1.0', architecture: 'ARCHITECTURE_RETNET', createdByUserId: 'user-7' });
  });

  it('names the name, architecture and tag fields of a bad CreateModel', () => {
    const fields = fieldsOf(() =>
      createModelCommand(
        { name: '', architecture: 'ARCHITECTURE_UNSPECIFIED', description: '', tags: ['OK', 'ok'] } as never,
        '',
      ),
    );
    expect(fields).toEqual(['name', 'architecture', 'tags[0]']);
  });

  it('keeps "not given" apart from "clear" in UpdateModel', () => {
    expect(updateModelCommand({ name: 'm', tags: null } as never)).toEqual({
      name: 'm',
      description: undefined,
      tags: undefined,
    });
    expect(updateModelCommand({ name: 'm', description: '', tags: { tags: [] } } as never)).toEqual({
      name: 'm',
      description: '',
      tags: [],
    });
  });

  it('requires a training job id for training lineage and checks hashes and base model', () => {
    const fields = fieldsOf(() =>
      registerVersionCommand({
        modelName: 'm',
        artifacts: [artifact],
        tokenizerId: 'byte',
        configJson: '{}',
        lineage: { source: 'LINEAGE_SOURCE_TRAINING_JOB', trainingJobId: '', datasetSha256: 'xyz', baseModel: 'm' },
        aliases: ['Prod'],
      } as never),
    );
    expect(fields).toEqual(['lineage.training_job_id', 'lineage.dataset_sha256', 'lineage.base_model', 'aliases[0]']);
  });

  it('keeps final_loss only when it was given', () => {
    const base = { modelName: 'm', artifacts: [artifact], tokenizerId: 'byte', configJson: '', aliases: [] };
    expect('finalLoss' in registerVersionCommand({ ...base, lineage } as never).lineage).toBe(false);
    expect(registerVersionCommand({ ...base, lineage: { ...lineage, finalLoss: 0 } } as never).lineage.finalLoss).toBe(
      0,
    );
    expect(registerVersionCommand({ ...base, lineage } as never).configJson).toBe('{}');
  });

  it('refuses version 0 and aliases that start with a digit', () => {
    expect(fieldsOf(() => setAliasCommand({ modelName: 'm', alias: '1st', version: 0 } as never))).toEqual([
      'alias',
      'version',
    ]);
  });

  it('resolves an alias without a model name (aliases are unique across models)', () => {
    expect(resolveAliasQuery({ modelName: '', alias: 'retnet-default' } as never)).toEqual({
      modelName: '',
      alias: 'retnet-default',
    });
  });

  it('defaults and caps the page size and round-trips page tokens', () => {
    const base = { pageToken: '', architecture: 'ARCHITECTURE_UNSPECIFIED', tag: '', includeDeleted: false };
    expect(listModelsQuery({ ...base, pageSize: 0 } as never).pageSize).toBe(50);
    expect(listModelsQuery({ ...base, pageSize: 10_000 } as never).pageSize).toBe(500);
    const next = listModelsQuery({ ...base, pageSize: 5, pageToken: encodePageToken('tiny') } as never);
    expect(next).toMatchObject({ afterName: 'tiny', architecture: undefined, tag: undefined });
    expect(fieldsOf(() => listModelsQuery({ ...base, pageSize: 5, pageToken: 'zzz' } as never))).toEqual([
      'page_token',
    ]);
  });
});
