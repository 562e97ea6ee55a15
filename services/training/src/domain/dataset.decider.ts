// The Dataset aggregate: registered once, immutable afterwards (its content is addressed by sha256).
import { assertNever, type Command, type Decider, DomainError, type Event } from '@neuroforge/events';
import { TrainingErrorCode } from './training.errors';

export type DatasetFormatName = 'DATASET_FORMAT_TEXT' | 'DATASET_FORMAT_JSONL';

/** proto DatasetRegistered. */
export type DatasetRegistered = Event<
  'dataset_registered',
  { datasetId: string; name: string; format: DatasetFormatName; sha256: string; sizeBytes: string; uri: string }
>;
export type DatasetEvent = DatasetRegistered;

export type RegisterDatasetCommand = Command<'register_dataset', DatasetRegistered['data']>;
export type DatasetCommand = RegisterDatasetCommand;

export type DatasetState =
  | { readonly status: 'none' }
  | { readonly status: 'registered'; readonly dataset: DatasetRegistered['data'] };

export const datasetDecider: Decider<DatasetCommand, DatasetEvent, DatasetState> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'register_dataset':
        if (state.status !== 'none') {
          throw new DomainError(TrainingErrorCode.ALREADY_EXISTS, `dataset ${command.data.datasetId} already exists`, {
            dataset_id: command.data.datasetId,
          });
        }
        return [{ type: 'dataset_registered', data: command.data }];
      default:
        return assertNever(command.type);
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'dataset_registered':
        return { status: 'registered', dataset: event.data };
      default:
        return assertNever(event.type);
    }
  },
};
