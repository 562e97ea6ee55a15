import { Inject, Injectable } from '@nestjs/common';
import type { ModelSnapshot } from '../../domain/model.history';
import { ModelRepository } from '../model.repository';
import type { UpdateModelCommand } from './update-model.command';

@Injectable()
export class UpdateModelHandler {
  constructor(@Inject(ModelRepository) private readonly models: ModelRepository) {}

  async execute(command: UpdateModelCommand): Promise<ModelSnapshot> {
    const { snapshot } = await this.models.execute(command.name, { type: 'update_model', data: command });
    return snapshot;
  }
}
