import { Inject, Injectable } from '@nestjs/common';
import type { ModelSnapshot } from '../../domain/model.history';
import { readableModel } from '../../domain/model.queries';
import type { ArtifactRecord } from '../../domain/model.types';
import { AliasClaims } from '../alias-claims';
import { ModelRepository } from '../model.repository';
import { ARTIFACT_STORE, type ArtifactStore } from '../ports/artifact-store.port';
import type { RegisterVersionCommand } from './register-version.command';

export interface RegisteredVersion {
  readonly snapshot: ModelSnapshot;
  /** The new version, or the existing latest when `onlyIfFirst` found one. */
  readonly version: number;
  readonly created: boolean;
}

@Injectable()
export class RegisterVersionHandler {
  constructor(
    @Inject(ModelRepository) private readonly models: ModelRepository,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(AliasClaims) private readonly aliases: AliasClaims,
  ) {}

  async execute(command: RegisterVersionCommand): Promise<RegisteredVersion> {
    // 1. Fail fast on an unknown or deleted model before copying and hashing files.
    readableModel((await this.models.load(command.modelName)).state, command.modelName);

    // 2. Every file must be in the store with exactly the recorded hash; a mismatch refuses the whole version.
    const records: ArtifactRecord[] = [];
    for (const artifact of command.artifacts) records.push(await this.artifacts.ingest(artifact));

    // 3. Reserve the aliases across models, then append; a refused append gives the reservations back.
    const undo = await this.aliases.claim(command.modelName, command.aliases);
    try {
      const { snapshot, changed } = await this.models.execute(command.modelName, {
        type: 'register_version',
        data: {
          modelName: command.modelName,
          artifacts: records,
          tokenizerId: command.tokenizerId,
          configJson: command.configJson,
          lineage: command.lineage,
          aliases: command.aliases,
          ...(command.onlyIfFirst ? { onlyIfFirst: true } : {}),
        },
      });
      const model = readableModel(snapshot.state, command.modelName);
      return { snapshot, version: changed ? model.versions.length : 1, created: changed };
    } catch (error) {
      await undo();
      throw error;
    }
  }
}
