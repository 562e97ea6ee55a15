export interface DeleteModelCommand {
  readonly name: string;
}
