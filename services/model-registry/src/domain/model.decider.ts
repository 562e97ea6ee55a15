// The Model aggregate as a decider: decide(command, state) → events, evolve(state, event) → state. Pure.
import { assertNever, type Decider } from '@neuroforge/events';
import type { ModelCommand, RegisterVersion } from './model.commands';
import { InvalidArgumentError, modelErrors } from './model.errors';
import type { ModelEvent } from './model.events';
import type { ExistingModel, ModelState } from './model.state';
import { ALIAS_PATTERN, MODEL_NAME_PATTERN } from './model.types';

export const modelDecider: Decider<ModelCommand, ModelEvent, ModelState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'create_model': {
        const { data } = command;
        if (state.status !== 'none') throw modelErrors.alreadyExists(data.name, state.status === 'deleted');
        if (!MODEL_NAME_PATTERN.test(data.name)) {
          throw new InvalidArgumentError([{ field: 'name', description: 'must match [a-z0-9][a-z0-9._-]{0,99}' }]);
        }
        return [{ type: 'model_created', data: { ...data, tags: uniqueTags(data.tags) } }];
      }
      case 'update_model': {
        const model = requireActive(state, command.data.name);
        const description = command.data.description ?? model.description;
        const tags = command.data.tags === undefined ? [...model.tags] : uniqueTags(command.data.tags);
        if (description === model.description && sameList(tags, model.tags)) return [];
        return [{ type: 'model_updated', data: { name: model.name, description, tags } }];
      }
      case 'delete_model': {
        const model = requireActive(state, command.data.name);
        return [{ type: 'model_deleted', data: { name: model.name } }];
      }
      case 'register_version':
        return registerVersion(command, requireActive(state, command.data.modelName));
      case 'set_alias': {
        const { modelName, alias, version } = command.data;
        const model = requireActive(state, modelName);
        checkAlias(alias, 'alias');
        if (version < 1 || version > model.versions.length) {
          throw modelErrors.versionNotFound(modelName, version, model.versions.length);
        }
        const previous = model.aliases[alias];
        if (previous === version) return [];
        return [
          {
            type: 'alias_moved',
            data: { modelName, alias, version, ...(previous === undefined ? {} : { previousVersion: previous }) },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'model_created':
        return {
          status: 'active',
          modelId: event.data.modelId,
          name: event.data.name,
          architecture: event.data.architecture,
          description: event.data.description,
          tags: event.data.tags,
          createdByUserId: event.data.createdByUserId,
          versions: [],
          aliases: {},
        };
      case 'model_updated':
        return { ...existing(state), description: event.data.description, tags: event.data.tags };
      case 'model_deleted':
        return { ...existing(state), status: 'deleted' };
      case 'version_registered': {
        const model = existing(state);
        const { version, artifacts, tokenizerId, configJson, lineage } = event.data;
        return { ...model, versions: [...model.versions, { version, artifacts, tokenizerId, configJson, lineage }] };
      }
      case 'alias_moved': {
        const model = existing(state);
        return { ...model, aliases: { ...model.aliases, [event.data.alias]: event.data.version } };
      }
      default:
        return assertNever(event);
    }
  },
};

function registerVersion(command: RegisterVersion, model: ExistingModel): ModelEvent[] {
  const { data } = command;
  // The start-up default model: a second, concurrent start finds version 1 already there and adds nothing.
  if (data.onlyIfFirst && model.versions.length > 0) return [];
  if (data.artifacts.length === 0) {
    throw new InvalidArgumentError([{ field: 'artifacts', description: 'a version needs at least one artifact' }]);
  }
  const seen = new Set<string>();
  data.artifacts.forEach((artifact, i) => {
    if (seen.has(artifact.name)) {
      throw new InvalidArgumentError([
        { field: `artifacts[${i}].name`, description: `duplicate artifact name ${artifact.name}` },
      ]);
    }
    seen.add(artifact.name);
  });
  const aliases = [...new Set(data.aliases)];
  for (const [i, alias] of aliases.entries()) checkAlias(alias, `aliases[${i}]`);

  const version = model.versions.length + 1;
  const events: ModelEvent[] = [
    {
      type: 'version_registered',
      data: {
        modelName: model.name,
        version,
        architecture: model.architecture,
        artifacts: data.artifacts,
        tokenizerId: data.tokenizerId,
        configJson: data.configJson,
        lineage: data.lineage,
      },
    },
  ];
  for (const alias of aliases) {
    const previous = model.aliases[alias];
    events.push({
      type: 'alias_moved',
      data: {
        modelName: model.name,
        alias,
        version,
        ...(previous === undefined ? {} : { previousVersion: previous }),
      },
    });
  }
  return events;
}

function existing(state: ModelState): ExistingModel {
  if (state.status === 'none') throw new Error('model event applied to a model that was never created');
  return state;
}

function requireActive(state: ModelState, name: string): ExistingModel {
  if (state.status === 'none') throw modelErrors.notFound(name);
  if (state.status === 'deleted') throw modelErrors.deleted(name);
  return state;
}

function checkAlias(alias: string, field: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new InvalidArgumentError([{ field, description: 'must match [a-z][a-z0-9_-]{0,63}' }]);
  }
}

/** Tags keep their first-seen order without duplicates. */
function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
