// Builds the start-up default model's files (a small RetNet with seeded random weights) into a folder.
export const DEFAULT_MODEL_BUILDER = Symbol('DEFAULT_MODEL_BUILDER');

export interface BuiltModelFolder {
  /** config.json as written (kept as the version's config_json). */
  readonly configJson: string;
  readonly tokenizerId: string;
}

export interface DefaultModelBuilder {
  /** What `build` writes: the trained model shipped with the repository, or seeded random weights. */
  readonly kind: 'trained' | 'seeded-random';
  /** Writes config.json, model.safetensors and SHA256SUMS into `dir`; the same seed gives the same bytes. */
  build(dir: string, seed: number): Promise<BuiltModelFolder>;
}
