// Value types of the Model aggregate. Their names and shapes follow protos/neuroforge/models/v1 so that event
// payloads are exactly the proto messages' JSON (camelCase keys, enums by name, uint64 as decimal strings).

export const ARCHITECTURES = [
  'ARCHITECTURE_RETNET',
  'ARCHITECTURE_MOE_RETNET',
  'ARCHITECTURE_MULTIMODAL',
  'ARCHITECTURE_TRANSFORMER',
] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const ARTIFACT_KINDS = [
  'ARTIFACT_KIND_ONNX_GRAPH',
  'ARTIFACT_KIND_SAFETENSORS',
  'ARTIFACT_KIND_CONFIG',
  'ARTIFACT_KIND_TOKENIZER',
  'ARTIFACT_KIND_OTHER',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const LINEAGE_SOURCES = [
  'LINEAGE_SOURCE_UPLOAD',
  'LINEAGE_SOURCE_TRAINING_JOB',
  'LINEAGE_SOURCE_SEEDED_INIT',
  'LINEAGE_SOURCE_PRETRAINED',
] as const;
export type LineageSource = (typeof LINEAGE_SOURCES)[number];

/** One stored file of a version (proto `Artifact`). */
export interface ArtifactRecord {
  readonly name: string;
  /** Lower-case hex SHA-256 of the bytes. */
  readonly sha256: string;
  /** Decimal string (proto uint64). */
  readonly sizeBytes: string;
  readonly kind: ArtifactKind;
  /** Where the content-addressed copy lives, e.g. `file:///…/sha256/ab/ab12…`. */
  readonly uri: string;
}

/** How a version was produced (proto `Lineage`). `finalLoss` is present only when known. */
export interface LineageRecord {
  readonly source: LineageSource;
  readonly trainingJobId: string;
  readonly datasetSha256: string;
  readonly finalLoss?: number;
  readonly baseModel: string;
}

/** The stream of a model: one per name, so the name is the aggregate's identity. */
export function modelStreamId(name: string): string {
  return `model-${name}`;
}

/** Model names: lower-case letters, digits, `-`, `_`, `.`; start with a letter or digit; at most 100 characters. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
/** Aliases: lower-case letters, digits, `-`, `_`; start with a letter (so `name@3` is never an alias). */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** Artifact names are plain file names: no folders, no `..`. */
export const ARTIFACT_NAME_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,200}$/;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
