// Runs Collection commands: load the stream, decide, append (retrying version conflicts), wake the relay.
import { Inject, Injectable } from '@nestjs/common';
import { handleCommand, loadAggregate, VersionConflictError } from '@neuroforge/events';
import type { CollectionCommand } from '../domain/collection.commands';
import { type CollectionState, collectionDecider } from '../domain/collection.decider';
import type { CollectionEvent } from '../domain/collection.events';
import { collectionStreamId } from '../domain/collection.types';
import { EmbeddingsError } from '../domain/embeddings-error';
import { EVENT_STORE, type EventStore, OUTBOX_SIGNAL, type OutboxSignal } from './ports/collection-stream.port';

@Injectable()
export class CollectionStream {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX_SIGNAL) private readonly outbox: OutboxSignal,
  ) {}

  async execute(
    name: string,
    command: CollectionCommand,
  ): Promise<{ events: CollectionEvent[]; state: CollectionState }> {
    try {
      // Document writes are recorded on the collection's stream too; concurrent writers collide often, so allow
      // more retries than the kit's default.
      const result = await handleCommand(this.store, collectionDecider, collectionStreamId(name), command, {
        maxRetries: 10,
      });
      if (result.events.length > 0) this.outbox.nudge();
      return { events: result.events.map((e) => e.event), state: result.state };
    } catch (error) {
      if (error instanceof VersionConflictError) {
        throw new EmbeddingsError('EMBEDDINGS.CONFLICT', `collection '${name}' changed concurrently; retry`);
      }
      throw error;
    }
  }

  async state(name: string): Promise<CollectionState> {
    return (await loadAggregate(this.store, collectionDecider, collectionStreamId(name))).state;
  }
}
