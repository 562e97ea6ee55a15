// The Model aggregate's events. Each `data` is exactly the payload message of protos/neuroforge/models/v1/
// events.proto, and the kit turns `type` into the CloudEvents type `neuroforge.models.<type>.v1`.
import type { Event } from '@neuroforge/events';
import type { Architecture, ArtifactRecord, LineageRecord } from './model.types';

export type ModelCreated = Event<
  'model_created',
  {
    modelId: string;
    name: string;
    architecture: Architecture;
    description: string;
    tags: string[];
    createdByUserId: string;
  }
>;

/** Carries the description and tags after the change. */
export type ModelUpdated = Event<'model_updated', { name: string; description: string; tags: string[] }>;

export type ModelDeleted = Event<'model_deleted', { name: string }>;

export type VersionRegistered = Event<
  'version_registered',
  {
    modelName: string;
    version: number;
    architecture: Architecture;
    artifacts: ArtifactRecord[];
    tokenizerId: string;
    configJson: string;
    lineage: LineageRecord;
  }
>;

/** `previousVersion` is absent when the alias is new on this model. */
export type AliasMoved = Event<
  'alias_moved',
  { modelName: string; alias: string; version: number; previousVersion?: number }
>;

export type ModelEvent = ModelCreated | ModelUpdated | ModelDeleted | VersionRegistered | AliasMoved;

/** The bounded context: events are published as `neuroforge.models.<type>.v1` on `neuroforge.models.events`. */
export const MODELS_CONTEXT = 'models';
