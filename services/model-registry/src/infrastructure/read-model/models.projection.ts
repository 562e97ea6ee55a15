// The `models` read model: one document per model stream, built from the events on `neuroforge.models.events`
// by a Kafka consumer with the kit's Projection (idempotent per stream version; rebuildable by replaying the
// topic with rebuildProjection). ListModels reads it.
import { ceType, type EventEnvelope, Projection } from '@neuroforge/events';
import type { mongo } from 'mongoose';
import type { ModelListing } from '../../application/ports/model-catalog.port';
import type { ModelEvent } from '../../domain/model.events';
import { MODELS_CONTEXT } from '../../domain/model.events';

type DataOf<T extends ModelEvent['type']> = Extract<ModelEvent, { type: T }>['data'];

function on<T extends ModelEvent['type']>(
  projection: Projection<ModelListing>,
  type: T,
  handler: (current: ModelListing | undefined, data: DataOf<T>, envelope: EventEnvelope<DataOf<T>>) => ModelListing,
): void {
  projection.on<DataOf<T>>(ceType(MODELS_CONTEXT, type), (current, envelope) =>
    handler(current, envelope.data, envelope),
  );
}

function existing(current: ModelListing | undefined, envelope: EventEnvelope): ModelListing {
  if (!current) throw new Error(`models projection: ${envelope.type} for ${envelope.subject} before model_created`);
  return current;
}

export function modelsProjection(db: mongo.Db, collection: string): Projection<ModelListing> {
  const projection = new Projection<ModelListing>(db, 'models', collection);
  on(projection, 'model_created', (_current, data, envelope) => ({
    modelId: data.modelId,
    name: data.name,
    architecture: data.architecture,
    description: data.description,
    tags: [...data.tags],
    aliases: [],
    latestVersion: 0,
    deleted: false,
    createdByUserId: data.createdByUserId,
    createdAt: envelope.time,
    updatedAt: envelope.time,
  }));
  on(projection, 'model_updated', (current, data, envelope) => ({
    ...existing(current, envelope),
    description: data.description,
    tags: [...data.tags],
    updatedAt: envelope.time,
  }));
  on(projection, 'model_deleted', (current, _data, envelope) => ({
    ...existing(current, envelope),
    deleted: true,
    updatedAt: envelope.time,
  }));
  on(projection, 'version_registered', (current, data, envelope) => ({
    ...existing(current, envelope),
    latestVersion: Math.max(existing(current, envelope).latestVersion, data.version),
    updatedAt: envelope.time,
  }));
  on(projection, 'alias_moved', (current, data, envelope) => {
    const model = existing(current, envelope);
    const aliases = model.aliases.filter((a) => a.alias !== data.alias);
    aliases.push({ alias: data.alias, version: data.version });
    aliases.sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
    return { ...model, aliases, updatedAt: envelope.time };
  });
  return projection;
}
