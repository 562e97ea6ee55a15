// Job leases on the kit's MongoLease (one document per job, taken and renewed with findOneAndUpdate), plus the
// holder's note on why it let a lease lapse, which the reaper reports.
import { type LeaseDocument, MongoLease } from '@neuroforge/events';
import type { mongo } from 'mongoose';
import type { JobLease, JobLeases, LeaseInfo } from '../application/ports/job-leases.port';

type JobLeaseDocument = LeaseDocument & { lostReason?: string };

export class MongoJobLeases implements JobLeases {
  constructor(
    private readonly collection: mongo.Collection<JobLeaseDocument>,
    private readonly ttlMs: number,
  ) {}

  lease(jobId: string, owner: string): JobLease {
    const lease = new MongoLease(
      this.collection as unknown as mongo.Collection<LeaseDocument>,
      jobId,
      this.ttlMs,
      owner,
    );
    let first = true;
    return {
      acquire: async () => {
        const held = await lease.acquire();
        // A fresh holder starts without the previous holder's note.
        if (held && first) await this.collection.updateOne({ _id: jobId, owner }, { $set: { lostReason: '' } });
        first = first && !held;
        return held;
      },
      release: () => lease.release(),
    };
  }

  async info(jobId: string): Promise<LeaseInfo | null> {
    const doc = await this.collection.findOne({ _id: jobId });
    if (!doc) return null;
    return { owner: doc.owner, expiresAt: new Date(doc.expiresAt), lostReason: doc.lostReason ?? '' };
  }

  async markLost(jobId: string, owner: string, reason: string): Promise<void> {
    await this.collection.updateOne({ _id: jobId, owner }, { $set: { lostReason: reason } });
  }
}
