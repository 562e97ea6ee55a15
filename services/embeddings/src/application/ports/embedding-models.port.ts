// Embedding models: a model reference resolved to one version's encoder (loaded once, shared by requests).
import type { ModelRef } from '../../domain/model-ref';

export interface ResolvedModel {
  readonly name: string;
  readonly version: number;
  /** A folder holding config.json, model.safetensors and SHA256SUMS (the checksums the engine verifies). */
  readonly dir: string;
  /** The alias this resolution followed: when it moves, collections on it are re-embedded. */
  readonly followsAlias?: { readonly name: string; readonly alias: string };
}

/** Where a model version's files come from: the model registry, or a local folder (tests, single node). */
export interface ModelSource {
  /** Throws EmbeddingsError MODEL_NOT_FOUND / MODEL_UNAVAILABLE. */
  resolve(ref: ModelRef): Promise<ResolvedModel>;
}

export interface EncodedTexts {
  readonly vectors: Float32Array[];
  readonly tokens: number;
}

export interface TextEncoder {
  readonly dimension: number;
  /** Every text must be non-empty. */
  embed(texts: readonly string[], opts: { normalize: boolean }): Promise<EncodedTexts>;
}

export interface LoadedModel {
  readonly name: string;
  readonly version: number;
  readonly followsAlias?: { readonly name: string; readonly alias: string };
  readonly encoder: TextEncoder;
}

export interface EmbeddingModels {
  /** Resolves a reference (following aliases) and returns that version's encoder. */
  resolve(ref: ModelRef): Promise<LoadedModel>;
  close(): Promise<void>;
}

export const EMBEDDING_MODELS = Symbol('EMBEDDING_MODELS');
