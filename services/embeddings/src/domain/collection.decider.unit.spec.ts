// given / when / then for the Collection aggregate.
import { DeciderSpecification, decodeSnapshotState, encodeSnapshotState, foldEvents } from '@neuroforge/events';
import { describe, expect, it } from 'vitest';
import type { CollectionCommand } from './collection.commands';
import { collectionDecider } from './collection.decider';
import type { CollectionEvent } from './collection.events';

const spec = DeciderSpecification.for(collectionDecider);

const create: CollectionCommand = {
  type: 'create_collection',
  data: { name: 'docs', model: 'retnet-default', modelVersion: 1, dimension: 128, distance: 'cosine' },
};
const created: CollectionEvent = {
  type: 'collection_created',
  data: { name: 'docs', model: 'retnet-default', dimension: 128, distance: 'DISTANCE_COSINE', modelVersion: 1 },
};
const deleted: CollectionEvent = { type: 'collection_deleted', data: { name: 'docs', deletedDocuments: '3' } };
const started: CollectionEvent = {
  type: 'reembedding_started',
  data: { collection: 'docs', fromVersion: 1, toVersion: 2, totalDocuments: '10' },
};

describe('Collection decider', () => {
  it('creates a collection with its model version, dimension and distance', () => {
    spec.given([]).when(create).then([created]);
  });

  it('refuses a second collection of the same name', () => {
    spec.given([created]).when(create).thenThrows('EMBEDDINGS.COLLECTION_ALREADY_EXISTS');
  });

  it('lets a deleted name be used again', () => {
    spec.given([created, deleted]).when(create).then([created]);
  });

  it('deletes an active collection, recording how many documents went with it', () => {
    spec
      .given([created])
      .when({ type: 'delete_collection', data: { name: 'docs', deletedDocuments: 3 } })
      .then([deleted]);
  });

  it('reports an unknown or deleted collection as not found', () => {
    spec
      .given([])
      .when({ type: 'delete_collection', data: { name: 'docs', deletedDocuments: 0 } })
      .thenThrows('EMBEDDINGS.COLLECTION_NOT_FOUND');
    spec
      .given([created, deleted])
      .when({ type: 'record_documents_upserted', data: { ids: ['a'], embeddedCount: 1 } })
      .thenThrows('EMBEDDINGS.COLLECTION_NOT_FOUND');
  });

  it('records upserted and deleted documents; nothing when nothing changed', () => {
    spec
      .given([created])
      .when({ type: 'record_documents_upserted', data: { ids: ['a', 'b'], embeddedCount: 1 } })
      .then([{ type: 'documents_upserted', data: { collection: 'docs', ids: ['a', 'b'], embeddedCount: 1 } }]);
    spec
      .given([created])
      .when({ type: 'record_documents_deleted', data: { ids: ['a'], deletedCount: 1 } })
      .then([{ type: 'documents_deleted', data: { collection: 'docs', ids: ['a'], deletedCount: '1' } }]);
    spec
      .given([created])
      .when({ type: 'record_documents_deleted', data: { ids: [], deletedCount: 0 } })
      .then([]);
  });

  it('starts re-embedding to a new version, once', () => {
    const start: CollectionCommand = { type: 'start_reembedding', data: { toVersion: 2, totalDocuments: 10 } };
    spec.given([created]).when(start).then([started]);
    spec.given([created, started]).when(start).then([]);
  });

  it('does not re-embed to the version the vectors already come from', () => {
    spec
      .given([created])
      .when({ type: 'start_reembedding', data: { toVersion: 1, totalDocuments: 10 } })
      .then([]);
  });

  it('completes a running job, after which the collection uses the new version', () => {
    const completed: CollectionEvent = {
      type: 'reembedding_completed',
      data: { collection: 'docs', toVersion: 2, processedDocuments: '10' },
    };
    spec
      .given([created, started])
      .when({ type: 'complete_reembedding', data: { toVersion: 2, processedDocuments: 10 } })
      .then([completed]);
    // Now at version 2: moving the alias back to 2 is a no-op, and to 3 starts from 2.
    spec
      .given([created, started, completed])
      .when({ type: 'start_reembedding', data: { toVersion: 2, totalDocuments: 10 } })
      .then([]);
    spec
      .given([created, started, completed])
      .when({ type: 'start_reembedding', data: { toVersion: 3, totalDocuments: 10 } })
      .then([
        {
          type: 'reembedding_started',
          data: { collection: 'docs', fromVersion: 2, toVersion: 3, totalDocuments: '10' },
        },
      ]);
  });

  it('fails a running job and refuses to finish one that is not running', () => {
    spec
      .given([created, started])
      .when({ type: 'fail_reembedding', data: { toVersion: 2, error: 'dimension changed' } })
      .then([{ type: 'reembedding_failed', data: { collection: 'docs', toVersion: 2, error: 'dimension changed' } }]);
    spec
      .given([created])
      .when({ type: 'complete_reembedding', data: { toVersion: 2, processedDocuments: 0 } })
      .thenThrows('EMBEDDINGS.REEMBEDDING_NOT_RUNNING');
    spec
      .given([created, started])
      .when({ type: 'complete_reembedding', data: { toVersion: 3, processedDocuments: 0 } })
      .thenThrows('EMBEDDINGS.REEMBEDDING_NOT_RUNNING');
  });

  it('has a state that survives a snapshot unchanged (plain JSON)', () => {
    const state = foldEvents(collectionDecider, [created, started]);
    expect(decodeSnapshotState(encodeSnapshotState(state))).toEqual(state);
  });
});
