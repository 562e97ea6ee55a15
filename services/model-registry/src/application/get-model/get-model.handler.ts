import { Inject, Injectable } from '@nestjs/common';
import type { ModelSnapshot } from '../../domain/model.history';
import { readableModel } from '../../domain/model.queries';
import { ModelRepository } from '../model.repository';
import type { GetModelQuery } from './get-model.query';

/** Reads the model's stream, not the projection, so a Get right after a write sees it. */
@Injectable()
export class GetModelHandler {
  constructor(@Inject(ModelRepository) private readonly models: ModelRepository) {}

  async execute(query: GetModelQuery): Promise<ModelSnapshot> {
    const snapshot = await this.models.load(query.name);
    readableModel(snapshot.state, query.name, query.includeDeleted);
    return snapshot;
  }
}
