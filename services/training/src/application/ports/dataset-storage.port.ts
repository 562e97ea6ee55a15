// Dataset bytes, content-addressed under `system.artifact_dir/datasets/sha256/…`.
export const DATASET_STORAGE = Symbol('DATASET_STORAGE');

export interface StoredDatasetFile {
  readonly sha256: string;
  readonly sizeBytes: number;
  /** file:// URI of the stored bytes. */
  readonly uri: string;
}

export interface DatasetStorage {
  /** Reads a `file://` source (throws INVALID_ARGUMENT naming `uri` when it cannot be read). */
  read(uri: string): Promise<Buffer>;
  /** Stores the bytes under their sha256 (idempotent). */
  store(content: Buffer): Promise<StoredDatasetFile>;
  /** Local path of a stored file. */
  pathOf(uri: string): string;
}
