export interface GetVersionQuery {
  readonly modelName: string;
  readonly version: number;
  /** Re-hash every artifact even when it looks unchanged since its last check. */
  readonly fullVerification: boolean;
}
