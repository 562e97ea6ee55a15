import { Inject, Injectable } from '@nestjs/common';
import type { ModelSnapshot } from '../../domain/model.history';
import { ModelRepository } from '../model.repository';
import type { DeleteModelCommand } from './delete-model.command';

/** Soft delete: a `model_deleted` event; the history stays and the name is never reused. */
@Injectable()
export class DeleteModelHandler {
  constructor(@Inject(ModelRepository) private readonly models: ModelRepository) {}

  async execute(command: DeleteModelCommand): Promise<ModelSnapshot> {
    const { snapshot } = await this.models.execute(command.name, { type: 'delete_model', data: command });
    return snapshot;
  }
}
