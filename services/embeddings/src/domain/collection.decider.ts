// The Collection aggregate: created → (documents written, re-embedded with new model versions) → deleted. A deleted
// collection's name may be used again; its stream then goes on with a new collection_created.
import { assertNever, type Decider } from '@neuroforge/events';
import type { CollectionCommand } from './collection.commands';
import type { CollectionEvent, DistanceName } from './collection.events';
import type { Distance, ReembeddingStatus } from './collection.types';
import { EmbeddingsError } from './embeddings-error';

export interface CollectionState {
  readonly status: 'none' | 'active' | 'deleted';
  readonly name: string;
  readonly model: string;
  readonly modelVersion: number;
  readonly dimension: number;
  readonly distance: Distance;
  readonly reembedding: ReembeddingStatus | null;
}

const DISTANCE_NAMES: Record<Distance, DistanceName> = {
  cosine: 'DISTANCE_COSINE',
  l2: 'DISTANCE_L2',
  inner_product: 'DISTANCE_INNER_PRODUCT',
};

export const distanceName = (d: Distance): DistanceName => DISTANCE_NAMES[d];
export const distanceFromName = (n: DistanceName): Distance =>
  (Object.keys(DISTANCE_NAMES) as Distance[]).find((d) => DISTANCE_NAMES[d] === n) ?? 'cosine';

const initialState = (): CollectionState => ({
  status: 'none',
  name: '',
  model: '',
  modelVersion: 0,
  dimension: 0,
  distance: 'cosine',
  reembedding: null,
});

function requireActive(state: CollectionState, name: string): void {
  if (state.status !== 'active') throw EmbeddingsError.collectionNotFound(state.name || name);
}

function requireRunning(state: CollectionState, toVersion: number): void {
  const job = state.reembedding;
  if (job?.state !== 'running' || job.toVersion !== toVersion) {
    throw new EmbeddingsError(
      'EMBEDDINGS.REEMBEDDING_NOT_RUNNING',
      `collection '${state.name}' has no re-embedding job running to version ${toVersion}`,
    );
  }
}

export const collectionDecider: Decider<CollectionCommand, CollectionEvent, CollectionState> = {
  initialState,
  // Every document write is an event on the collection's stream, so streams grow without bound: commands start
  // from a snapshot. Bump `version` when CollectionState or evolve changes.
  snapshot: { every: 50, version: 1 },

  decide(command, state) {
    switch (command.type) {
      case 'create_collection': {
        const c = command.data;
        if (state.status === 'active') {
          throw new EmbeddingsError(
            'EMBEDDINGS.COLLECTION_ALREADY_EXISTS',
            `collection '${c.name}' already exists`,
            'name',
          );
        }
        return [
          {
            type: 'collection_created',
            data: {
              name: c.name,
              model: c.model,
              dimension: c.dimension,
              distance: distanceName(c.distance),
              modelVersion: c.modelVersion,
            },
          },
        ];
      }
      case 'delete_collection':
        requireActive(state, command.data.name);
        return [
          {
            type: 'collection_deleted',
            data: { name: state.name, deletedDocuments: String(command.data.deletedDocuments) },
          },
        ];
      case 'record_documents_upserted':
        requireActive(state, state.name);
        if (command.data.ids.length === 0) return [];
        return [
          {
            type: 'documents_upserted',
            data: { collection: state.name, ids: command.data.ids, embeddedCount: command.data.embeddedCount },
          },
        ];
      case 'record_documents_deleted':
        requireActive(state, state.name);
        if (command.data.deletedCount === 0) return [];
        return [
          {
            type: 'documents_deleted',
            data: { collection: state.name, ids: command.data.ids, deletedCount: String(command.data.deletedCount) },
          },
        ];
      case 'start_reembedding': {
        requireActive(state, state.name);
        const { toVersion, totalDocuments } = command.data;
        const job = state.reembedding;
        // Idempotent: the vectors already come from that version, or a job to it is already running.
        if (toVersion === state.modelVersion && job?.state !== 'running') return [];
        if (job?.state === 'running' && job.toVersion === toVersion) return [];
        return [
          {
            type: 'reembedding_started',
            data: {
              collection: state.name,
              fromVersion: state.modelVersion,
              toVersion,
              totalDocuments: String(totalDocuments),
            },
          },
        ];
      }
      case 'complete_reembedding':
        requireActive(state, state.name);
        requireRunning(state, command.data.toVersion);
        return [
          {
            type: 'reembedding_completed',
            data: {
              collection: state.name,
              toVersion: command.data.toVersion,
              processedDocuments: String(command.data.processedDocuments),
            },
          },
        ];
      case 'fail_reembedding':
        requireActive(state, state.name);
        requireRunning(state, command.data.toVersion);
        return [
          {
            type: 'reembedding_failed',
            data: { collection: state.name, toVersion: command.data.toVersion, error: command.data.error },
          },
        ];
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'collection_created':
        return {
          status: 'active',
          name: event.data.name,
          model: event.data.model,
          modelVersion: event.data.modelVersion,
          dimension: event.data.dimension,
          distance: distanceFromName(event.data.distance),
          reembedding: null,
        };
      case 'collection_deleted':
        return { ...state, status: 'deleted', reembedding: null };
      case 'documents_upserted':
      case 'documents_deleted':
        return state;
      case 'reembedding_started':
        return {
          ...state,
          reembedding: {
            state: 'running',
            fromVersion: event.data.fromVersion,
            toVersion: event.data.toVersion,
            totalDocuments: Number(event.data.totalDocuments),
            error: '',
          },
        };
      case 'reembedding_completed':
        return {
          ...state,
          modelVersion: event.data.toVersion,
          reembedding: state.reembedding && { ...state.reembedding, state: 'completed' },
        };
      case 'reembedding_failed':
        return {
          ...state,
          reembedding: state.reembedding && { ...state.reembedding, state: 'failed', error: event.data.error },
        };
      default:
        return assertNever(event);
    }
  },
};
