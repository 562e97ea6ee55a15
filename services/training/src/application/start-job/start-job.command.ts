/** StartJob as the edge validated it: overrides are still the request's (checked against config in the handler). */
export interface StartJobCommand {
  readonly name: string;
  readonly datasetId: string;
  /** '' trains from scratch. */
  readonly baseModel: string;
  readonly training: Readonly<Record<string, unknown>> | null;
  readonly model: Readonly<Record<string, unknown>> | null;
  readonly registerAs: string;
  readonly registerAlias: string;
  readonly requestedByUserId: string;
}

export const TRAINING_DEFAULTS = Symbol('TRAINING_DEFAULTS');
