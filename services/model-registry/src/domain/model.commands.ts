// Commands of the Model aggregate: plain records carrying everything a decision needs (ids come in with them).
import type { Command } from '@neuroforge/events';
import type { Architecture, ArtifactRecord, LineageRecord } from './model.types';

export type CreateModel = Command<
  'create_model',
  {
    modelId: string;
    name: string;
    architecture: Architecture;
    description: string;
    tags: string[];
    createdByUserId: string;
  }
>;

/** Fields left undefined keep their value. */
export type UpdateModel = Command<'update_model', { name: string; description?: string; tags?: string[] }>;

export type DeleteModel = Command<'delete_model', { name: string }>;

export type RegisterVersion = Command<
  'register_version',
  {
    modelName: string;
    /** Already stored and verified by the application layer (content-addressed). */
    artifacts: ArtifactRecord[];
    tokenizerId: string;
    configJson: string;
    lineage: LineageRecord;
    /** Aliases to point at the new version (already reserved for this model by the application layer). */
    aliases: string[];
    /** Register only when the model has no version yet (the start-up default model: concurrent starts agree). */
    onlyIfFirst?: boolean;
  }
>;

export type SetAlias = Command<'set_alias', { modelName: string; alias: string; version: number }>;

export type ModelCommand = CreateModel | UpdateModel | DeleteModel | RegisterVersion | SetAlias;
