import { models } from '@neuroforge/contracts';
import { describe, expect, it } from 'vitest';
import { weightsSource } from './registry-model-source';

const lineage = (source: models.LineageSource) => ({
  lineage: { source, trainingJobId: '', datasetSha256: '', baseModel: '' },
});

describe('weightsSource', () => {
  it("names each version's weights by its own lineage", () => {
    expect(weightsSource(lineage(models.LineageSource.LINEAGE_SOURCE_SEEDED_INIT))).toBe('seeded random');
    expect(weightsSource(lineage(models.LineageSource.LINEAGE_SOURCE_PRETRAINED))).toBe('trained');
    expect(weightsSource(lineage(models.LineageSource.LINEAGE_SOURCE_TRAINING_JOB))).toBe('trained');
    expect(weightsSource(lineage(models.LineageSource.LINEAGE_SOURCE_UPLOAD))).toBe('uploaded');
  });

  it('calls a version without lineage uploaded', () => {
    expect(weightsSource({ lineage: undefined })).toBe('uploaded');
  });
});
