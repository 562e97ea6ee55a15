// Read-side rules shared by the queries: which models and versions may be read. Pure.
import { modelErrors } from './model.errors';
import type { ExistingModel, ModelState, VersionState } from './model.state';

/** The model, or NOT_FOUND; a deleted model is DELETED unless `includeDeleted`. */
export function readableModel(state: ModelState, name: string, includeDeleted = false): ExistingModel {
  if (state.status === 'none') throw modelErrors.notFound(name);
  if (state.status === 'deleted' && !includeDeleted) throw modelErrors.deleted(name);
  return state;
}

export function versionOf(model: ExistingModel, version: number): VersionState {
  const found = model.versions[version - 1];
  if (!found) throw modelErrors.versionNotFound(model.name, version, model.versions.length);
  return found;
}

/** The version an alias of this model points at, or ALIAS_NOT_FOUND. */
export function aliasTarget(model: ExistingModel, alias: string): VersionState {
  const version = model.aliases[alias];
  if (version === undefined) throw modelErrors.aliasNotFound(alias, model.name);
  return versionOf(model, version);
}
