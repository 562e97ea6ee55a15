// Alias reservations in Mongo: one document per alias (`_id` = alias), so the unique `_id` index is what makes an
// alias belong to one model at a time.
import { isDuplicateKeyError } from '@neuroforge/events';
import type { mongo } from 'mongoose';
import type { AliasRegistry } from '../../application/ports/alias-registry.port';
import { modelErrors } from '../../domain/model.errors';

interface AliasDocument {
  _id: string;
  modelName: string;
  claimedAt: Date;
}

export interface MongoAliasRegistryOptions {
  /**
   * A reservation younger than this counts as in use even before its model's stream shows the alias, so two
   * models racing for one new alias cannot both win (default 30 s).
   */
  claimGraceMs?: number;
}

const CLAIM_ATTEMPTS = 5;

export class MongoAliasRegistry implements AliasRegistry {
  private readonly graceMs: number;

  constructor(
    private readonly aliases: mongo.Collection<AliasDocument>,
    options: MongoAliasRegistryOptions = {},
  ) {
    this.graceMs = options.claimGraceMs ?? 30_000;
  }

  async holder(alias: string): Promise<string | undefined> {
    return (await this.aliases.findOne({ _id: alias }))?.modelName;
  }

  async claim(
    alias: string,
    modelName: string,
    holderStillUsesIt: (holder: string) => Promise<boolean>,
  ): Promise<boolean> {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.aliases.insertOne({ _id: alias, modelName, claimedAt: new Date() });
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const current = await this.aliases.findOne({ _id: alias });
      if (!current) continue; // released in between: try to insert again
      if (current.modelName === modelName) return false;
      const fresh = Date.now() - current.claimedAt.getTime() < this.graceMs;
      if (fresh || (await holderStillUsesIt(current.modelName))) throw modelErrors.aliasTaken(alias, current.modelName);
      // The holder was deleted or never finished: move the reservation, unless someone else just did.
      const moved = await this.aliases.updateOne(
        { _id: alias, modelName: current.modelName, claimedAt: current.claimedAt },
        { $set: { modelName, claimedAt: new Date() } },
      );
      if (moved.modifiedCount === 1) return true;
    }
    throw new Error(`alias ${alias} kept changing hands while reserving it for ${modelName}`);
  }

  async release(alias: string, modelName: string): Promise<void> {
    await this.aliases.deleteOne({ _id: alias, modelName });
  }
}
