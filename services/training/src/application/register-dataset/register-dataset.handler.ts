// RegisterDataset: read the bytes (inline or from a file:// URI), check they are a trainable dataset of the given
// format and have the expected hash, store them content-addressed, then record the Dataset aggregate.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@neuroforge/events';
import { datasetContentProblems } from '../../domain/dataset-content';
import { TrainingErrorCode, Violations } from '../../domain/training.errors';
import { type DatasetRecord, DatasetRepository } from '../dataset.repository';
import { DATASET_STORAGE, type DatasetStorage } from '../ports/dataset-storage.port';
import type { RegisterDatasetCommand } from './register-dataset.command';

@Injectable()
export class RegisterDatasetHandler {
  constructor(
    @Inject(DATASET_STORAGE) private readonly storage: DatasetStorage,
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
  ) {}

  async execute(command: RegisterDatasetCommand): Promise<DatasetRecord> {
    // 1. The bytes.
    const field = 'uri' in command.source ? 'uri' : 'content';
    const content = 'uri' in command.source ? await this.storage.read(command.source.uri) : command.source.content;

    // 2. Trainable, in the stated format.
    const v = new Violations();
    for (const problem of datasetContentProblems(content, command.format)) v.add(field, problem);
    v.throwIfAny();

    // 3. The expected hash, when given.
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (command.sha256 !== '' && command.sha256 !== sha256) {
      throw new DomainError(
        TrainingErrorCode.DATASET_HASH_MISMATCH,
        `sha256: the content hashes to ${sha256}, not ${command.sha256}; upload the intended file or fix the hash`,
        { field: 'sha256', expected_sha256: command.sha256, actual_sha256: sha256 },
      );
    }

    // 4. Store, then record.
    const stored = await this.storage.store(content);
    return this.datasets.register({
      type: 'register_dataset',
      data: {
        datasetId: randomUUID(),
        name: command.name,
        format: command.format,
        sha256: stored.sha256,
        sizeBytes: String(stored.sizeBytes),
        uri: stored.uri,
      },
    });
  }
}
