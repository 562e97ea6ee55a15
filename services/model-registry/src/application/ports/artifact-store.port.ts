// Where version files live: a content-addressed store (sha256 of the bytes is the key).
import type { ArtifactKind, ArtifactRecord } from '../../domain/model.types';

export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');

/** A file to store, as a client describes it (RegisterVersion's `Artifact`). */
export interface ArtifactInput {
  readonly name: string;
  /** The hash the client recorded; the stored bytes must have it. */
  readonly sha256: string;
  /** Decimal string; '0' means "not given". */
  readonly sizeBytes: string;
  readonly kind: ArtifactKind;
  /** `file://` URI of a local file to import, the store's own URI for the hash, or '' (already stored). */
  readonly uri: string;
}

export interface VerifyOptions {
  /** Re-hash even when the file looks unchanged since its last verification. */
  readonly full?: boolean;
}

export interface ArtifactStore {
  /**
   * Makes sure the input's bytes are in the store with the recorded hash (importing a `file://` source) and
   * returns the record to keep. Throws MODELS.ARTIFACT_HASH_MISMATCH naming the file, expected and actual hash,
   * or MODELS.ARTIFACT_NOT_FOUND.
   */
  ingest(input: ArtifactInput): Promise<ArtifactRecord>;
  /** Checks a stored artifact's size and hash before it is served; throws MODELS.ARTIFACT_CORRUPTED. */
  verify(artifact: ArtifactRecord, options?: VerifyOptions): Promise<void>;
  /** Stores every file of a local model folder (config.json, model.safetensors, SHA256SUMS, ...). */
  importModelDirectory(dir: string): Promise<ArtifactRecord[]>;
  /** Absolute path of the stored bytes for a hash. */
  pathOf(sha256: string): string;
}
