// The `models` read model (a projection of the events) as the list query sees it.
import type { Architecture } from '../../domain/model.types';

export const MODEL_CATALOG = Symbol('MODEL_CATALOG');

export interface ModelListing {
  readonly modelId: string;
  readonly name: string;
  readonly architecture: Architecture;
  readonly description: string;
  readonly tags: string[];
  /** Sorted by alias. */
  readonly aliases: { alias: string; version: number }[];
  readonly latestVersion: number;
  readonly deleted: boolean;
  readonly createdByUserId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ModelListQuery {
  readonly pageSize: number;
  /** List names strictly after this one (the page token's content). */
  readonly afterName?: string;
  readonly architecture?: Architecture;
  readonly tag?: string;
  readonly includeDeleted: boolean;
}

export interface ModelCatalog {
  /** One page sorted by name; `more` says whether another page follows. */
  list(query: ModelListQuery): Promise<{ models: ModelListing[]; more: boolean }>;
}
