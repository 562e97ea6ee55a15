// Idempotent consumption: a marker document per (consumer group, event id) records that the group handled the
// event, so a redelivered duplicate is skipped. FerretDB has no TTL indexes, so old markers are pruned with
// prune() (events are redelivered within minutes, not months).
import { mongo } from 'mongoose';
import { isDuplicateKeyError } from './mongo-errors';

interface MarkerDocument {
  _id: string;
  group: string;
  eventId: string;
  at: Date;
}

export class ProcessedMarkers {
  private readonly markers: mongo.Collection<MarkerDocument>;

  constructor(db: mongo.Db, collection = 'processed_events') {
    this.markers = db.collection<MarkerDocument>(collection);
  }

  async init(): Promise<void> {
    await this.markers.createIndexes([{ key: { at: 1 }, name: 'at' }]);
  }

  async has(group: string, eventId: string): Promise<boolean> {
    // findOne by _id, not countDocuments: FerretDB v1 runs the latter as an aggregation without index use.
    return (await this.markers.findOne({ _id: markerId(group, eventId) }, { projection: { _id: 1 } })) !== null;
  }

  async mark(group: string, eventId: string): Promise<void> {
    try {
      await this.markers.insertOne({ _id: markerId(group, eventId), group, eventId, at: new Date() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // already marked by an earlier delivery
    }
  }

  /** Marks many events in one round trip (a consumer's batch); already-marked ones are left as they are. */
  async markMany(group: string, eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const at = new Date();
    const docs = eventIds.map((eventId) => ({ _id: markerId(group, eventId), group, eventId, at }));
    try {
      await this.markers.insertMany(docs, { ordered: false });
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (writeErrors.some((e) => e.code !== 11000)) throw error;
    }
  }

  /** Deletes markers older than `olderThan`; returns how many. */
  async prune(olderThan: Date): Promise<number> {
    return (await this.markers.deleteMany({ at: { $lt: olderThan } })).deletedCount;
  }

  /** Forgets everything a group handled (before replaying its topics into a cleared read model). */
  async clearGroup(group: string): Promise<void> {
    await this.markers.deleteMany({ group });
  }
}

function markerId(group: string, eventId: string): string {
  return `${group}|${eventId}`;
}
