// Dataset streams (`dataset-<id>`): one registration event each.
import { Inject, Injectable } from '@nestjs/common';
import type { EventStore } from '@neuroforge/events';
import {
  type DatasetCommand,
  type DatasetEvent,
  type DatasetRegistered,
  datasetDecider,
} from '../domain/dataset.decider';
import { datasetStreamId } from '../domain/job.types';
import { trainingErrors } from '../domain/training.errors';
import { OUTBOX_SIGNAL, type OutboxSignal, TRAINING_EVENT_STORE } from './ports/job-store.port';

export interface DatasetRecord {
  readonly dataset: DatasetRegistered['data'];
  readonly createdAt: string;
}

@Injectable()
export class DatasetRepository {
  constructor(
    @Inject(TRAINING_EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX_SIGNAL) private readonly outbox: OutboxSignal,
  ) {}

  async find(datasetId: string): Promise<DatasetRecord | null> {
    const stored = await this.store.readStream<DatasetEvent>(datasetStreamId(datasetId));
    const first = stored[0];
    if (!first) return null;
    return { dataset: first.event.data, createdAt: first.envelope.time };
  }

  /** NOT_FOUND naming `field` when the dataset does not exist. */
  async get(datasetId: string, field = 'dataset_id'): Promise<DatasetRecord> {
    const found = datasetId === '' ? null : await this.find(datasetId);
    if (!found) throw trainingErrors.datasetNotFound(datasetId, field);
    return found;
  }

  async register(command: DatasetCommand): Promise<DatasetRecord> {
    const events = datasetDecider.decide(command, datasetDecider.initialState());
    const result = await this.store.appendToStream(datasetStreamId(command.data.datasetId), events, {
      expectedVersion: 'no_stream',
    });
    this.outbox.nudge();
    const first = result.events[0];
    return { dataset: command.data, createdAt: first?.envelope.time ?? new Date().toISOString() };
  }
}
