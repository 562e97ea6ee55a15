// Commands of the Collection aggregate. Time comes in with the command so the decider stays pure.
import type { Command } from '@neuroforge/events';
import type { Distance } from './collection.types';

export type CreateCollection = Command<
  'create_collection',
  { name: string; model: string; modelVersion: number; dimension: number; distance: Distance }
>;
export type DeleteCollection = Command<'delete_collection', { name: string; deletedDocuments: number }>;
/** Documents were written to the vector store; the aggregate records the fact (and refuses a deleted collection). */
export type RecordDocumentsUpserted = Command<'record_documents_upserted', { ids: string[]; embeddedCount: number }>;
export type RecordDocumentsDeleted = Command<'record_documents_deleted', { ids: string[]; deletedCount: number }>;
export type StartReembedding = Command<'start_reembedding', { toVersion: number; totalDocuments: number }>;
export type CompleteReembedding = Command<'complete_reembedding', { toVersion: number; processedDocuments: number }>;
export type FailReembedding = Command<'fail_reembedding', { toVersion: number; error: string }>;

export type CollectionCommand =
  | CreateCollection
  | DeleteCollection
  | RecordDocumentsUpserted
  | RecordDocumentsDeleted
  | StartReembedding
  | CompleteReembedding
  | FailReembedding;
