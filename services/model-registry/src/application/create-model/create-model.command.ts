import type { Architecture } from '../../domain/model.types';

export interface CreateModelCommand {
  readonly name: string;
  readonly architecture: Architecture;
  readonly description: string;
  readonly tags: string[];
  readonly createdByUserId: string;
}
