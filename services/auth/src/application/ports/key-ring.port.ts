import type { KeyObject } from 'node:crypto';
import type { JwkRecord } from '@neuroforge/auth-policy';

export const KEY_RING = Symbol('KEY_RING');

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** The JWT signing keys: one signs, every key that may have signed an unexpired token verifies. */
export interface KeyRing {
  /** The current signing key; creates one when none is current (first start, or the last one aged out). */
  signingKey(): Promise<ActiveSigningKey>;
  /** Public keys of every key that may have signed a still-valid token, newest first. */
  publicJwks(): Promise<JwkRecord[]>;
  /** Starts a new signing key now; previous keys stop signing and keep verifying until their tokens expire. */
  rotate(): Promise<string>;
}
