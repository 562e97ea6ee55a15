// A small example aggregate used by the kit's tests: a registered model with versions.
import { assertNever, type Decider, DomainError, type Event } from './event';

export type ModelEvent =
  | Event<'model_registered', { modelId: string; name: string; registeredAt: string }>
  | Event<'version_added', { modelId: string; version: number; artifactUri: string; addedAt: string }>
  | Event<'model_archived', { modelId: string; archivedAt: string }>;

export type ModelCommand =
  | { type: 'register_model'; data: { modelId: string; name: string; now: string } }
  | { type: 'add_version'; data: { modelId: string; artifactUri: string; now: string } }
  | { type: 'archive_model'; data: { modelId: string; now: string } };

export type ModelState = { status: 'none' } | { status: 'active' | 'archived'; name: string; versions: number };

export const modelDecider: Decider<ModelCommand, ModelEvent, ModelState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'register_model':
        if (state.status !== 'none') {
          throw new DomainError('MODELS.ALREADY_EXISTS', `model ${command.data.modelId} already exists`);
        }
        return [
          {
            type: 'model_registered',
            data: { modelId: command.data.modelId, name: command.data.name, registeredAt: command.data.now },
          },
        ];
      case 'add_version':
        if (state.status === 'none') throw new DomainError('MODELS.NOT_FOUND', `model ${command.data.modelId}`);
        if (state.status === 'archived') throw new DomainError('MODELS.ARCHIVED', `model ${command.data.modelId}`);
        return [
          {
            type: 'version_added',
            data: {
              modelId: command.data.modelId,
              version: state.versions + 1,
              artifactUri: command.data.artifactUri,
              addedAt: command.data.now,
            },
          },
        ];
      case 'archive_model':
        if (state.status === 'none') throw new DomainError('MODELS.NOT_FOUND', `model ${command.data.modelId}`);
        if (state.status === 'archived') return []; // archiving twice changes nothing
        return [{ type: 'model_archived', data: { modelId: command.data.modelId, archivedAt: command.data.now } }];
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'model_registered':
        return { status: 'active', name: event.data.name, versions: 0 };
      case 'version_added':
        return state.status === 'none' ? state : { ...state, versions: event.data.version };
      case 'model_archived':
        return state.status === 'none' ? state : { ...state, status: 'archived' };
      default:
        return assertNever(event);
    }
  },
};
