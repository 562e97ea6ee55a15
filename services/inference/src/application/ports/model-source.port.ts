// Where a model version's files come from: the model registry (ResolveAlias / GetVersion) or a local folder.
// Everything after resolution (verification, engine load) is one code path: a folder in the engine's layout.
import type { ModelRef } from '../../domain/model-ref';

export interface ResolvedModel {
  readonly name: string;
  readonly version: number;
  /** A folder holding config.json, model.safetensors and SHA256SUMS (the checksums the engine verifies). */
  readonly dir: string;
  readonly tokenizerId: string;
  /** The registry's architecture label (`ARCHITECTURE_MULTIMODAL`…); config.json decides, this must agree. */
  readonly architecture?: string;
  /** "trained", "uploaded", "seeded random" or "local folder". */
  readonly weightsSource: string;
  /** The alias this resolution followed (registry names): when it moves, the route follows it. */
  readonly followsAlias?: { readonly name: string; readonly alias: string };
}

export interface ModelSource {
  /** Resolves a reference to one version's files; throws InferenceError NOT_FOUND / UNAVAILABLE. */
  resolve(ref: ModelRef): Promise<ResolvedModel>;
}

export const MODEL_SOURCE = Symbol('MODEL_SOURCE');
