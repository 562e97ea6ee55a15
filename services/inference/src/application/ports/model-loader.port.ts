// The engine behind a port: turns a resolved model folder into a runnable LanguageModel and its tokenizer, plus
// what an architecture adds: a media encoder (multimodal) and per-expert load (MoE).
import type { DecodeState, LanguageModel, Tokenizer } from '@neuroforge/ml';
import type { MediaChunk, MediaKind } from '../../domain/generate-request';
import type { ResolvedModel } from './model-source.port';

/** Which engine model serves a version (config.json's `architecture`, `ffn: "moe"` for MoE). */
export type ServedArchitecture = 'retnet' | 'moe_retnet' | 'multimodal';

/** The state after a request's media and the absolute position where its text starts. */
export interface MediaPrefix {
  readonly state: DecodeState;
  readonly position: number;
}

/** Multimodal models: turns a request's media into the prefix its prompt continues from. */
export interface MediaEncoder {
  /** Media kinds the model takes. */
  readonly accepts: readonly MediaKind[];
  /** Positions the prefix of these kinds occupies before the text (context the text cannot use). */
  prefixPositions(kinds: readonly MediaKind[]): number;
  /** Decodes and encodes the media, then builds the prefix; bad bytes throw the engine's MediaInputError. */
  prefix(media: readonly MediaChunk[]): Promise<MediaPrefix>;
}

/** One counter increment of per-expert load (tokens routed to `expert` of MoE `layer` since the last drain). */
export interface ExpertLoadSource {
  drain(): readonly { layer: number; expert: number; tokens: number }[];
}

export interface LoadedEngineModel {
  readonly architecture: ServedArchitecture;
  readonly model: LanguageModel<DecodeState>;
  readonly tokenizer: Tokenizer;
  /** The execution provider the sessions actually run on (after fallback). */
  readonly provider: string;
  /** The provider configuration asked for (system.device). */
  readonly requestedProvider: string;
  /** Bytes of one sequence's recurrent state. */
  readonly stateBytes: number;
  /** Prefill block (the engine's chunk length) and the longest prompt prefilled in one parallel call. */
  readonly blockTokens: number;
  readonly parallelPrefillMax: number;
  /** Present for models that take images and/or audio. */
  readonly media?: MediaEncoder;
  /** Present for MoE models: the engine's running per-expert token tally. */
  readonly expertLoad?: ExpertLoadSource;
}

export interface ModelLoader {
  load(resolved: ResolvedModel): Promise<LoadedEngineModel>;
}

export const MODEL_LOADER = Symbol('MODEL_LOADER');
