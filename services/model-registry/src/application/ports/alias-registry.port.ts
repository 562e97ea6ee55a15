// Aliases are unique across models: a reservation per alias names the one model allowed to hold it.
export const ALIAS_REGISTRY = Symbol('ALIAS_REGISTRY');

export interface AliasRegistry {
  /** The model that reserved the alias, if any. */
  holder(alias: string): Promise<string | undefined>;
  /**
   * Reserves `alias` for `modelName`. Returns true when this call made the reservation, false when the model
   * already had it. When another model holds it, `holderStillUsesIt(holder)` decides: true → MODELS.ALIAS_TAKEN;
   * false (the holder was deleted or never finished setting it) → the reservation moves to `modelName`.
   */
  claim(alias: string, modelName: string, holderStillUsesIt: (holder: string) => Promise<boolean>): Promise<boolean>;
  /** Drops the reservation if `modelName` holds it (after a failed SetAlias/RegisterVersion). */
  release(alias: string, modelName: string): Promise<void>;
}
