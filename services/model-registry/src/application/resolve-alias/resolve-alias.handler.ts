import { Inject, Injectable } from '@nestjs/common';
import { modelErrors } from '../../domain/model.errors';
import { aliasTarget, readableModel } from '../../domain/model.queries';
import { AliasClaims } from '../alias-claims';
import { ModelRepository } from '../model.repository';
import { ARTIFACT_STORE, type ArtifactStore } from '../ports/artifact-store.port';
import { type ServedVersion, verifiedVersion } from '../served-version';
import type { ResolveAliasQuery } from './resolve-alias.query';

@Injectable()
export class ResolveAliasHandler {
  constructor(
    @Inject(ModelRepository) private readonly models: ModelRepository,
    @Inject(AliasClaims) private readonly aliases: AliasClaims,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
  ) {}

  async execute(query: ResolveAliasQuery): Promise<ServedVersion> {
    let modelName = query.modelName;
    if (modelName === '') {
      const holder = await this.aliases.holderOf(query.alias);
      if (holder === undefined) throw modelErrors.aliasNotFound(query.alias);
      modelName = holder;
    }
    const snapshot = await this.models.load(modelName);
    const model = readableModel(snapshot.state, modelName);
    const version = aliasTarget(model, query.alias);
    return verifiedVersion(this.artifacts, { snapshot, model, version }, query.fullVerification);
  }
}
