/** What the start-up default model is (from config: inference.default_model, system.seed_default_model, system.seed). */
export interface DefaultModelSettings {
  readonly enabled: boolean;
  /** Model name and alias, e.g. `retnet-default`. */
  readonly name: string;
  readonly seed: number;
}

export const DEFAULT_MODEL_SETTINGS = Symbol('DEFAULT_MODEL_SETTINGS');

export type EnsureDefaultModelOutcome =
  | { readonly action: 'disabled' }
  | { readonly action: 'present'; readonly modelName: string; readonly version: number }
  | { readonly action: 'seeded'; readonly modelName: string; readonly version: number }
  /** The alias resolved but its stored files were missing or damaged; the seeded files were written again. */
  | { readonly action: 'repaired'; readonly modelName: string; readonly version: number }
  | { readonly action: 'skipped'; readonly reason: string };

/** The tag the seeded model carries, so nobody mistakes it for a trained one. */
export const SEEDED_RANDOM_TAG = 'seeded-random';
