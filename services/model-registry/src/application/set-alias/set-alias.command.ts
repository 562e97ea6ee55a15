export interface SetAliasCommand {
  readonly modelName: string;
  readonly alias: string;
  readonly version: number;
}
