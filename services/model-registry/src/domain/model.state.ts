// The Model aggregate's state: the fold of its events.
import type { Architecture, ArtifactRecord, LineageRecord } from './model.types';

export interface VersionState {
  readonly version: number;
  readonly artifacts: readonly ArtifactRecord[];
  readonly tokenizerId: string;
  readonly configJson: string;
  readonly lineage: LineageRecord;
}

export interface ExistingModel {
  readonly status: 'active' | 'deleted';
  readonly modelId: string;
  readonly name: string;
  readonly architecture: Architecture;
  readonly description: string;
  readonly tags: readonly string[];
  readonly createdByUserId: string;
  /** Index i holds version i + 1: versions are contiguous from 1. */
  readonly versions: readonly VersionState[];
  /** alias → version. */
  readonly aliases: Readonly<Record<string, number>>;
}

export type ModelState = { readonly status: 'none' } | ExistingModel;

export function latestVersion(state: ExistingModel): number {
  return state.versions.length;
}

/** Aliases pointing at `version`, sorted. */
export function aliasesOf(state: ExistingModel, version: number): string[] {
  return Object.entries(state.aliases)
    .filter(([, v]) => v === version)
    .map(([alias]) => alias)
    .sort();
}
