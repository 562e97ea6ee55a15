import type { DatasetFormatName } from '../../domain/dataset.decider';

export interface RegisterDatasetCommand {
  readonly name: string;
  readonly format: DatasetFormatName;
  /** Expected sha256 ('' to compute it). */
  readonly sha256: string;
  readonly source: { readonly uri: string } | { readonly content: Buffer };
}
