import type { Architecture } from '../../domain/model.types';

export interface ListModelsQuery {
  /** Already clamped to 1..500 (0 became 50). */
  readonly pageSize: number;
  /** The name the previous page ended with ('' for the first page). */
  readonly afterName: string;
  readonly architecture?: Architecture;
  readonly tag?: string;
  readonly includeDeleted: boolean;
}
