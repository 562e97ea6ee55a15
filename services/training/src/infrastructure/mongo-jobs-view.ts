// The jobs read model in Mongo: one document per job with the fields the queries filter and sort on, and the
// snapshot as JSON text (payloads may hold keys or numbers FerretDB refuses as fields). Written after each append,
// conditional on the stream version, so a late writer never rolls a job back.
import { isDuplicateKeyError } from '@neuroforge/events';
import type { mongo } from 'mongoose';
import type { JobSnapshot } from '../application/job-snapshot';
import type { JobsPage, JobsView } from '../application/ports/jobs-view.port';
import type { JobStatus } from '../domain/job.types';

interface JobDocument {
  _id: string;
  _version: number;
  status: JobStatus;
  createdAt: string;
  pendingRegistration: boolean;
  snapshot: string;
}

export class MongoJobsView implements JobsView {
  constructor(private readonly collection: mongo.Collection<JobDocument>) {}

  async init(): Promise<void> {
    // One index per call: FerretDB v1 drops the connection on a createIndexes listing several existing ones.
    await this.collection.createIndex({ status: 1, createdAt: 1 });
    await this.collection.createIndex({ createdAt: -1 });
  }

  async save(snapshot: JobSnapshot): Promise<void> {
    const doc = {
      _version: snapshot.version,
      status: snapshot.state.status,
      createdAt: snapshot.createdAt,
      pendingRegistration: snapshot.state.registration === 'pending',
      snapshot: JSON.stringify(snapshot),
    };
    try {
      await this.collection.updateOne(
        { _id: snapshot.jobId, _version: { $lt: snapshot.version } },
        { $set: doc },
        { upsert: true },
      );
    } catch (error) {
      // A newer version is already there (the upsert collided with it): nothing to do.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  async list(options: { status?: JobStatus; offset: number; limit: number }): Promise<JobsPage> {
    const filter = options.status ? { status: options.status } : {};
    const docs = await this.collection
      .find(filter)
      .sort({ createdAt: -1, _id: 1 })
      .skip(options.offset)
      .limit(options.limit + 1)
      .toArray();
    return { jobs: docs.slice(0, options.limit).map(parse), hasMore: docs.length > options.limit };
  }

  async oldest(status: JobStatus, limit: number): Promise<JobSnapshot[]> {
    const docs = await this.collection.find({ status }).sort({ createdAt: 1, _id: 1 }).limit(limit).toArray();
    return docs.map(parse);
  }

  async pendingRegistrations(limit: number): Promise<JobSnapshot[]> {
    const docs = await this.collection.find({ status: 'completed', pendingRegistration: true }).limit(limit).toArray();
    return docs.map(parse);
  }
}

function parse(doc: JobDocument): JobSnapshot {
  return JSON.parse(doc.snapshot) as JobSnapshot;
}
