import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ModelSnapshot } from '../../domain/model.history';
import { ModelRepository } from '../model.repository';
import type { CreateModelCommand } from './create-model.command';

/** Names are unique: the name is the stream id, and the event store's unique (stream, version) index settles races. */
@Injectable()
export class CreateModelHandler {
  constructor(@Inject(ModelRepository) private readonly models: ModelRepository) {}

  async execute(command: CreateModelCommand): Promise<ModelSnapshot> {
    const { snapshot } = await this.models.execute(command.name, {
      type: 'create_model',
      data: { modelId: randomUUID(), ...command },
    });
    return snapshot;
  }
}
