// Per-job leases: a worker slot holds its job's lease and renews it with heartbeats; an expired lease means the
// holder is gone. Backed by findOneAndUpdate on one document per job (the kit's MongoLease).
export const JOB_LEASES = Symbol('JOB_LEASES');

export interface JobLease {
  /** Takes the lease when free or expired, or renews it when held; true when held now. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LeaseInfo {
  readonly owner: string;
  readonly expiresAt: Date;
  /** Why the holder gave it up without releasing (e.g. its worker process died), when it said. */
  readonly lostReason: string;
}

export interface JobLeases {
  lease(jobId: string, owner: string): JobLease;
  info(jobId: string): Promise<LeaseInfo | null>;
  /** Leaves the lease to expire but records why (the reaper reports it). */
  markLost(jobId: string, owner: string, reason: string): Promise<void>;
}
