/** Fields left undefined keep their value. */
export interface UpdateModelCommand {
  readonly name: string;
  readonly description?: string;
  readonly tags?: string[];
}
