import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@neuroforge/events';
import { ModelErrorCode } from '../../domain/model.errors';
import { ALIAS_PATTERN, type ArtifactRecord, MODEL_NAME_PATTERN } from '../../domain/model.types';
import { CreateModelHandler } from '../create-model/create-model.handler';
import { ModelRepository } from '../model.repository';
import { ARTIFACT_STORE, type ArtifactStore } from '../ports/artifact-store.port';
import {
  type BuiltModelFolder,
  DEFAULT_MODEL_BUILDER,
  type DefaultModelBuilder,
} from '../ports/default-model-builder.port';
import { RegisterVersionHandler } from '../register-version/register-version.handler';
import { ResolveAliasHandler } from '../resolve-alias/resolve-alias.handler';
import { SetAliasHandler } from '../set-alias/set-alias.handler';
import {
  DEFAULT_MODEL_SETTINGS,
  type DefaultModelSettings,
  type EnsureDefaultModelOutcome,
  SEEDED_RANDOM_TAG,
} from './ensure-default-model.command';

/**
 * Makes `inference.default_model` resolve, so a fresh install can serve something: when the alias does not
 * resolve, registers a small RetNet with seeded random weights as version 1 of a model of that name and points
 * the alias at it. Idempotent and safe under concurrent starts: creation tolerates ALREADY_EXISTS, the version is
 * registered only if the model has none (decided against the stream under optimistic concurrency), the same
 * seed gives byte-identical (content-addressed) files, and setting an alias to where it points changes nothing.
 */
@Injectable()
export class EnsureDefaultModelHandler {
  constructor(
    @Inject(DEFAULT_MODEL_SETTINGS) private readonly settings: DefaultModelSettings,
    @Inject(DEFAULT_MODEL_BUILDER) private readonly builder: DefaultModelBuilder,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(ModelRepository) private readonly models: ModelRepository,
    @Inject(CreateModelHandler) private readonly createModel: CreateModelHandler,
    @Inject(RegisterVersionHandler) private readonly registerVersion: RegisterVersionHandler,
    @Inject(SetAliasHandler) private readonly setAlias: SetAliasHandler,
    @Inject(ResolveAliasHandler) private readonly resolveAlias: ResolveAliasHandler,
  ) {}

  async execute(): Promise<EnsureDefaultModelOutcome> {
    const { enabled, name } = this.settings;
    if (!enabled) return { action: 'disabled' };
    if (!MODEL_NAME_PATTERN.test(name) || !ALIAS_PATTERN.test(name)) {
      return { action: 'skipped', reason: `${name} is not usable as both a model name and an alias` };
    }

    // 1. Already resolvable (whichever model holds the alias): nothing to do. If its files were lost (e.g. a
    //    wiped artifact folder), writing the default model again restores them: same bytes, same hashes. When the
    //    lost files were another build's (the shipped default changed since), a new version replaces them below.
    let replace = false;
    try {
      const served = await this.resolve(name);
      return { action: 'present', modelName: served.model.name, version: served.version.version };
    } catch (error) {
      if (isCode(error, ModelErrorCode.ARTIFACT_CORRUPTED)) {
        await this.withSeededFolder(async () => undefined);
        try {
          const served = await this.resolve(name);
          return { action: 'repaired', modelName: served.model.name, version: served.version.version };
        } catch (stillBroken) {
          if (!isCode(stillBroken, ModelErrorCode.ARTIFACT_CORRUPTED)) throw stillBroken;
          replace = true;
        }
      } else if (!isCode(error, ModelErrorCode.ALIAS_NOT_FOUND)) throw error;
    }

    // 2. The model (a concurrent start may have created it).
    const existing = (await this.models.load(name)).state;
    if (existing.status === 'deleted') {
      return { action: 'skipped', reason: `model ${name} was deleted; register another default model and alias` };
    }
    if (existing.status === 'none') {
      try {
        await this.createModel.execute({
          name,
          architecture: 'ARCHITECTURE_RETNET',
          description:
            this.builder.kind === 'trained'
              ? 'Small byte-level RetNet trained on the shipped corpus (docs/training/default-model.md), registered at start-up so serving works out of the box.'
              : 'Small RetNet with seeded random weights, registered at start-up so serving works out of the box.',
          tags: [this.builder.kind === 'trained' ? 'trained' : SEEDED_RANDOM_TAG],
          createdByUserId: '',
        });
      } catch (error) {
        if (!isCode(error, ModelErrorCode.ALREADY_EXISTS)) throw error;
      }
    }

    // 3. Version 1 from the engine, unless the model already has a version (or a new version replacing lost files).
    const { version, created } = await this.withSeededFolder((built, records) =>
      this.registerVersion.execute({
        modelName: name,
        artifacts: records.map((r) => ({ ...r, uri: '' })),
        tokenizerId: built.tokenizerId,
        configJson: built.configJson,
        lineage: {
          source: this.builder.kind === 'trained' ? 'LINEAGE_SOURCE_PRETRAINED' : 'LINEAGE_SOURCE_SEEDED_INIT',
          trainingJobId: '',
          datasetSha256: '',
          baseModel: '',
        },
        aliases: [],
        onlyIfFirst: !replace,
      }),
    );

    // 4. The alias.
    await this.setAlias.execute({ modelName: name, alias: name, version });
    if (replace) return { action: 'repaired', modelName: name, version };
    return created ? { action: 'seeded', modelName: name, version } : { action: 'present', modelName: name, version };
  }

  private resolve(alias: string) {
    return this.resolveAlias.execute({ modelName: '', alias, fullVerification: false });
  }

  /** Builds the seeded model in a temporary folder, stores its files, and hands both to `use`. */
  private async withSeededFolder<T>(
    use: (built: BuiltModelFolder, records: ArtifactRecord[]) => Promise<T>,
  ): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'nf-default-model-'));
    try {
      const built = await this.builder.build(dir, this.settings.seed);
      return await use(built, await this.artifacts.importModelDirectory(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof DomainError && error.code === code;
}
