export interface GetModelQuery {
  readonly name: string;
  readonly includeDeleted: boolean;
}
