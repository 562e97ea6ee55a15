// Loads Model streams and runs commands through the kit's command handler (load → decide → append with the
// expected version → retry on conflict). Shared by every use case.
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type EventStore, handleCommand, VersionConflictError } from '@neuroforge/events';
import type { ModelCommand } from '../domain/model.commands';
import { modelDecider } from '../domain/model.decider';
import { ModelErrorCode } from '../domain/model.errors';
import type { ModelEvent } from '../domain/model.events';
import { type ModelSnapshot, snapshotOf } from '../domain/model.history';
import { modelStreamId } from '../domain/model.types';
import { MODEL_EVENT_STORE } from './ports/model-events.port';
import { OUTBOX_SIGNAL, type OutboxSignal } from './ports/outbox-signal.port';

const CONFLICT_RETRIES = 5;

@Injectable()
export class ModelRepository {
  constructor(
    @Inject(MODEL_EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX_SIGNAL) private readonly outbox: OutboxSignal,
  ) {}

  /** The model as its stream says now (reads its own writes: the stream is the source of truth). */
  async load(name: string): Promise<ModelSnapshot> {
    const stored = await this.store.readStream<ModelEvent>(modelStreamId(name));
    return snapshotOf(stored.map((s) => ({ event: s.event, time: s.envelope.time })));
  }

  /** Decides and appends; returns the model after the command and whether it changed anything. */
  async execute(name: string, command: ModelCommand): Promise<{ snapshot: ModelSnapshot; changed: boolean }> {
    let changed: boolean;
    try {
      const result = await handleCommand(this.store, modelDecider, modelStreamId(name), command, {
        maxRetries: CONFLICT_RETRIES,
      });
      changed = result.events.length > 0;
    } catch (error) {
      if (error instanceof VersionConflictError) {
        throw new DomainError(
          ModelErrorCode.CONCURRENT_CHANGE,
          `model ${name} kept changing while this request was applied; retry it`,
          { model: name },
        );
      }
      throw error;
    }
    if (changed) this.outbox.nudge();
    return { snapshot: await this.load(name), changed };
  }
}
