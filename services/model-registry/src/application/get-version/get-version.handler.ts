import { Inject, Injectable } from '@nestjs/common';
import { readableModel, versionOf } from '../../domain/model.queries';
import { ModelRepository } from '../model.repository';
import { ARTIFACT_STORE, type ArtifactStore } from '../ports/artifact-store.port';
import { type ServedVersion, verifiedVersion } from '../served-version';
import type { GetVersionQuery } from './get-version.query';

@Injectable()
export class GetVersionHandler {
  constructor(
    @Inject(ModelRepository) private readonly models: ModelRepository,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
  ) {}

  async execute(query: GetVersionQuery): Promise<ServedVersion> {
    const snapshot = await this.models.load(query.modelName);
    const model = readableModel(snapshot.state, query.modelName);
    const version = versionOf(model, query.version);
    return verifiedVersion(this.artifacts, { snapshot, model, version }, query.fullVerification);
  }
}
