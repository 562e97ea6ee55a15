import { Inject, Injectable } from '@nestjs/common';
import type { ModelSnapshot } from '../../domain/model.history';
import { AliasClaims } from '../alias-claims';
import { ModelRepository } from '../model.repository';
import type { SetAliasCommand } from './set-alias.command';

export interface AliasSet {
  readonly snapshot: ModelSnapshot;
  readonly version: number;
  /** Where the alias pointed before on this model; undefined when it is new. */
  readonly previousVersion?: number;
}

@Injectable()
export class SetAliasHandler {
  constructor(
    @Inject(ModelRepository) private readonly models: ModelRepository,
    @Inject(AliasClaims) private readonly aliases: AliasClaims,
  ) {}

  async execute(command: SetAliasCommand): Promise<AliasSet> {
    const before = await this.models.load(command.modelName);
    const previousVersion = before.state.status === 'none' ? undefined : before.state.aliases[command.alias];
    const undo = await this.aliases.claim(command.modelName, [command.alias]);
    try {
      const { snapshot } = await this.models.execute(command.modelName, { type: 'set_alias', data: command });
      return { snapshot, version: command.version, previousVersion };
    } catch (error) {
      await undo();
      throw error;
    }
  }
}
