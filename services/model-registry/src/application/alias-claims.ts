// Reserving aliases across models before a command points them (aliases are unique across models, and a model's
// stream alone cannot see other models). A reservation whose command then fails is released again.
import { Inject, Injectable } from '@nestjs/common';
import { ModelRepository } from './model.repository';
import { ALIAS_REGISTRY, type AliasRegistry } from './ports/alias-registry.port';

@Injectable()
export class AliasClaims {
  constructor(
    @Inject(ALIAS_REGISTRY) private readonly registry: AliasRegistry,
    @Inject(ModelRepository) private readonly models: ModelRepository,
  ) {}

  /** Reserves every alias for the model (MODELS.ALIAS_TAKEN if another model uses one); returns an undo. */
  async claim(modelName: string, aliases: readonly string[]): Promise<() => Promise<void>> {
    const fresh: string[] = [];
    const undo = async () => {
      for (const alias of fresh) await this.registry.release(alias, modelName).catch(() => undefined);
    };
    try {
      for (const alias of new Set(aliases)) {
        if (await this.registry.claim(alias, modelName, (holder) => this.usesAlias(holder, alias))) fresh.push(alias);
      }
    } catch (error) {
      await undo();
      throw error;
    }
    return undo;
  }

  /** Which model holds an alias right now, according to that model's own stream. */
  async holderOf(alias: string): Promise<string | undefined> {
    const holder = await this.registry.holder(alias);
    return holder !== undefined && (await this.usesAlias(holder, alias)) ? holder : undefined;
  }

  private async usesAlias(modelName: string, alias: string): Promise<boolean> {
    const { state } = await this.models.load(modelName);
    return state.status === 'active' && state.aliases[alias] !== undefined;
  }
}
