// The engine behind a port: turns a resolved model folder into a runnable LanguageModel and its tokenizer.
import type { DecodeState, LanguageModel, Tokenizer } from '@neuroforge/ml';
import type { ResolvedModel } from './model-source.port';

export interface LoadedEngineModel {
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
}

export interface ModelLoader {
  load(resolved: ResolvedModel): Promise<LoadedEngineModel>;
}

export const MODEL_LOADER = Symbol('MODEL_LOADER');
