// A lease (time-limited lock) in one Mongo document, taken and renewed with findOneAndUpdate, so that only one
// holder works on a resource at a time and a crashed holder's lease expires and lets another take over.
// FerretDB has no TTL indexes, so expiry is a timestamp compared at acquisition time.
import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { isDuplicateKeyError } from './mongo-errors';

export interface LeaseDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
  acquiredAt: Date;
}

export class MongoLease {
  readonly owner: string;
  private validUntil = 0;

  constructor(
    private readonly leases: mongo.Collection<LeaseDocument>,
    readonly name: string,
    readonly ttlMs: number,
    owner: string = randomUUID(),
  ) {
    this.owner = owner;
  }

  /** Takes the lease if it is free or expired, or extends it if we hold it. Returns whether we hold it now. */
  async acquire(): Promise<boolean> {
    const now = Date.now();
    try {
      const doc = await this.leases.findOneAndUpdate(
        { _id: this.name, $or: [{ owner: this.owner }, { expiresAt: { $lt: new Date(now) } }] },
        { $set: { owner: this.owner, expiresAt: new Date(now + this.ttlMs), acquiredAt: new Date(now) } },
        { upsert: true, returnDocument: 'after' },
      );
      const held = doc?.owner === this.owner;
      // Measured from before the request, so our view of the expiry is never later than the stored one.
      this.validUntil = held ? now + this.ttlMs : 0;
      return held;
    } catch (error) {
      // The upsert tried to insert a second document with this _id: someone else holds a live lease.
      if (isDuplicateKeyError(error)) {
        this.validUntil = 0;
        return false;
      }
      throw error;
    }
  }

  /** Milliseconds of the lease we can still count on (0 when not held). */
  remainingMs(): number {
    return Math.max(0, this.validUntil - Date.now());
  }

  /** Gives the lease up early so another holder need not wait for expiry. */
  async release(): Promise<void> {
    this.validUntil = 0;
    await this.leases.updateOne({ _id: this.name, owner: this.owner }, { $set: { expiresAt: new Date(0) } });
  }
}
