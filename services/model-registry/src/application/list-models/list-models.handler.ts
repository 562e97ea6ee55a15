import { Inject, Injectable } from '@nestjs/common';
import { MODEL_CATALOG, type ModelCatalog, type ModelListing } from '../ports/model-catalog.port';
import type { ListModelsQuery } from './list-models.query';

export interface ModelPage {
  readonly models: ModelListing[];
  /** The last name of this page when more follow; undefined on the last page. */
  readonly nextAfterName?: string;
}

/**
 * Lists from the `models` read model, which the projection consumer fills from Kafka: it trails writes by the
 * relay + consumer delay (typically well under a second). GetModel reads the stream and is always current.
 */
@Injectable()
export class ListModelsHandler {
  constructor(@Inject(MODEL_CATALOG) private readonly catalog: ModelCatalog) {}

  async execute(query: ListModelsQuery): Promise<ModelPage> {
    const { models, more } = await this.catalog.list({
      pageSize: query.pageSize,
      afterName: query.afterName || undefined,
      architecture: query.architecture,
      tag: query.tag,
      includeDeleted: query.includeDeleted,
    });
    const last = models[models.length - 1];
    return { models, nextAfterName: more && last ? last.name : undefined };
  }
}
