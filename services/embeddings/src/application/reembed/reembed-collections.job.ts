// Re-embedding: when a model alias a collection follows moves to another version, every document is embedded
// again with that version in the background. Searches keep using the old vectors until the job swaps the new
// table in (vectors of two model versions are not comparable, so they are never mixed in one index). Progress is
// in the catalog (GetCollection shows it); start, completion and failure are events on the collection's stream.
//
// Steps: 1. start_reembedding on the stream (idempotent: only the replica whose append wins runs the job);
// 2. copy documents page by page into a shadow table, embedding texts with the new version (caller-supplied
// vectors are copied as they are); 3. index the shadow table, then, under a short write lock, catch up rows written
// meanwhile and swap it in with the new model version; 4. complete_reembedding (or fail_reembedding: the collection
// keeps its old vectors and version).
import { Inject, Injectable } from '@nestjs/common';
import { type Logger, SERVICE_LOGGER } from '@neuroforge/service-kit';
import { CollectionStream } from '../collection-stream';
import { modelName } from '../documents/upsert-documents.handler';
import { EMBEDDING_MODELS, type EmbeddingModels, type LoadedModel } from '../ports/embedding-models.port';
import {
  type CollectionRecord,
  type DocumentRow,
  type StoredRow,
  VECTOR_STORE,
  type VectorStore,
} from '../ports/vector-store.port';

const PAGE_SIZE = 256;

@Injectable()
export class ReembedCollectionsJob {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    @Inject(CollectionStream) private readonly stream: CollectionStream,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(EMBEDDING_MODELS) private readonly models: EmbeddingModels,
    @Inject(SERVICE_LOGGER) private readonly log: Logger,
  ) {}

  /** A model alias moved: start a job for each collection following it whose vectors come from another version. */
  async aliasMoved(model: string, alias: string, version: number): Promise<string[]> {
    const started: string[] = [];
    for (const collection of await this.store.collectionsFollowing(model, alias)) {
      if (await this.start(collection, version)) started.push(collection.name);
    }
    return started;
  }

  /** Jobs that were running when the service stopped start again from the beginning. */
  async resumeInterrupted(): Promise<void> {
    let after = '';
    for (;;) {
      const page = await this.store.listCollections(after, 200);
      for (const c of page) {
        if (c.reembedding?.state === 'running' && !this.running.has(c.name)) this.launch(c, c.reembedding.toVersion);
      }
      if (page.length < 200) return;
      after = (page.at(-1) as CollectionRecord).name;
    }
  }

  /** Resolves when the collection's current job (if any) has finished. */
  async settled(name: string): Promise<void> {
    await this.running.get(name);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async start(collection: CollectionRecord, toVersion: number): Promise<boolean> {
    const total = await this.store.countDocuments(collection.name);
    const { events } = await this.stream.execute(collection.name, {
      type: 'start_reembedding',
      data: { toVersion, totalDocuments: total },
    });
    if (events.length === 0) return false;
    await this.store.setReembedding(collection.name, {
      state: 'running',
      fromVersion: collection.modelVersion,
      toVersion,
      processedDocuments: 0,
      totalDocuments: total,
      error: '',
      startedAt: new Date(),
      finishedAt: null,
    });
    this.launch(collection, toVersion);
    return true;
  }

  private launch(collection: CollectionRecord, toVersion: number): void {
    const previous = this.running.get(collection.name) ?? Promise.resolve();
    const job = previous
      .then(() => this.run(collection, toVersion))
      .finally(() => {
        if (this.running.get(collection.name) === job) this.running.delete(collection.name);
      });
    this.running.set(collection.name, job);
  }

  private async run(collection: CollectionRecord, toVersion: number): Promise<void> {
    const name = collection.name;
    let shadow: string | undefined;
    try {
      const model = await this.models.resolve({ kind: 'version', name: modelName(collection), version: toVersion });
      if (model.encoder.dimension !== collection.dimension) {
        throw new Error(
          `version ${toVersion} embeds into ${model.encoder.dimension} dimensions but the collection holds ${collection.dimension}; create a new collection for it`,
        );
      }
      // 2. Copy page by page into the shadow table.
      shadow = await this.store.beginRebuild(name);
      let after = '';
      let processed = 0;
      for (;;) {
        const page = await this.store.pageDocuments(name, after, PAGE_SIZE);
        if (page.length === 0) break;
        const rows = await reembed(page, model);
        await this.store.writeRebuildRows(
          shadow,
          rows.map((r, i) => ({ ...r, revision: (page[i] as StoredRow).revision })),
        );
        processed += page.length;
        await this.store.addReembeddingProgress(name, page.length);
        after = (page.at(-1) as StoredRow).id;
      }
      // 3. Index, catch up and swap.
      const caughtUp = await this.store.finishRebuild(name, shadow, toVersion, (rows) => reembed(rows, model));
      shadow = undefined;
      // 4. Record.
      await this.stream.execute(name, {
        type: 'complete_reembedding',
        data: { toVersion, processedDocuments: processed + caughtUp },
      });
      const current = await this.store.getCollection(name);
      if (current?.reembedding) {
        await this.store.setReembedding(name, {
          ...current.reembedding,
          state: 'completed',
          processedDocuments: processed + caughtUp,
          finishedAt: new Date(),
        });
      }
      this.log.info({ collection: name, toVersion, documents: processed + caughtUp }, 're-embedding completed');
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.log.warn({ collection: name, toVersion, error: why }, 're-embedding failed');
      if (shadow) await this.store.abandonRebuild(shadow).catch(() => undefined);
      await this.stream
        .execute(name, { type: 'fail_reembedding', data: { toVersion, error: why } })
        .catch(() => undefined);
      const current = await this.store.getCollection(name).catch(() => null);
      if (current?.reembedding) {
        await this.store
          .setReembedding(name, { ...current.reembedding, state: 'failed', error: why, finishedAt: new Date() })
          .catch(() => undefined);
      }
    }
  }
}

/** New vectors for stored rows: texts the service embedded are embedded again; caller vectors stay. */
async function reembed(rows: readonly StoredRow[], model: LoadedModel): Promise<DocumentRow[]> {
  const texts = rows.filter((r) => r.embedded);
  const vectors =
    texts.length > 0
      ? (
          await model.encoder.embed(
            texts.map((r) => r.text),
            { normalize: true },
          )
        ).vectors
      : [];
  let next = 0;
  return rows.map((r) => ({
    id: r.id,
    text: r.text,
    metadata: r.metadata,
    embedded: r.embedded,
    vector: r.embedded ? (vectors[next++] as Float32Array) : r.vector,
  }));
}
