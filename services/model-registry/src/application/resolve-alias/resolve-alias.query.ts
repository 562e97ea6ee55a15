export interface ResolveAliasQuery {
  /** Empty: find the model by the alias alone (aliases are unique across models). */
  readonly modelName: string;
  readonly alias: string;
  /** Re-hash every artifact even when it looks unchanged since its last check. */
  readonly fullVerification: boolean;
}
