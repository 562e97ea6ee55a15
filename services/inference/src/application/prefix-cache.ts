// Recurrent states after prompt prefixes, so a repeated prefix (a shared system prompt) skips its prefill.
// A RetNet state has a fixed size whatever the prefix length, so a cached 2,000-token prefix costs what a
// 1-token one does. One cache serves every loaded model: keys start with the model version, and an LRU bounded
// by bytes (inference.prefix_cache_bytes) decides what stays.
import { createHash, type Hash } from 'node:crypto';

interface Entry<S> {
  readonly state: S;
  readonly bytes: number;
}

export class PrefixStateCache<S> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  private readonly entries = new Map<string, Entry<S>>();
  private used = 0;

  constructor(readonly capacityBytes: number) {}

  get enabled(): boolean {
    return this.capacityBytes > 0;
  }

  get bytesUsed(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): S | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.state;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores a state (never modified afterwards by its owner); evicts the least recently used to make room. */
  set(key: string, state: S, bytes: number): void {
    if (bytes > this.capacityBytes) return;
    this.delete(key);
    while (this.used + bytes > this.capacityBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.entries.set(key, { state, bytes });
    this.used += bytes;
  }

  /** Drops every entry of one model version (it was unloaded). */
  deleteModel(modelKey: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${modelKey}|`)) this.delete(key);
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }
}

/**
 * Keys of the block-aligned prefixes of `tokens`: `keys[i]` names tokens[0 … (i+1)·block). One SHA-256 pass over
 * the prompt (the running hash is copied at each boundary). Only boundaries ≤ `limit` are produced.
 */
export function prefixKeys(modelKey: string, tokens: readonly number[], block: number, limit: number): string[] {
  const keys: string[] = [];
  const hash: Hash = createHash('sha256');
  const bytes = Buffer.from(Int32Array.from(tokens).buffer);
  for (let end = block; end <= limit; end += block) {
    hash.update(bytes.subarray((end - block) * 4, end * 4));
    keys.push(`${modelKey}|${end}|${hash.copy().digest('hex')}`);
  }
  return keys;
}
