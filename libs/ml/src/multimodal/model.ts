// MultimodalModel: text generation conditioned on an image and/or audio, behind the engine's LanguageModel port.
//
// Media enter as a cached prefix: `mediaPrefix(media)` returns `{ state, position }`, which `prefill(tokens, from)`
// continues exactly like a prefix-cache hit — so generate() and the serving scheduler drive it unchanged
// (`condition(media)` binds the prefix for callers that only call `prefill(tokens)`).
// - concat: the prefix state is the RetNet's state after the projected modality tokens (positions 0 … P−1); text
//   continues at position P with the ordinary chunkwise/recurrent RetNet graphs: O(1) per generated token.
// - late fusion (cross_attention, gated, hierarchical): the state carries the modality tokens and presence flags next
//   to the text RetNet state; every step runs the recurrent RetNet (hidden state out) then the fusion head on that
//   one position: O(N_media) per generated token, no re-run of the sequence.
import type { DecodeState, DecodeStepResult, LanguageModel, PrefillResult } from '../generation/language-model';
import { prepareRetNet, type RetNetForm, stateInName, stateOutName } from '../retnet/graph';
import { RetNetModel, type RetNetState } from '../retnet/model';
import { EngineSession, float32, type HostTensor, int64, type Provider, type RuntimeOptions } from '../runtime/session';
import { concatFloat32, type WeightMap } from '../weights/tensor';
import { preprocessAudio } from './audio';
import { loadMultimodalModel } from './checkpoint';
import {
  configuredModalities,
  type Modality,
  type MultimodalConfig,
  modalityShape,
  parseMultimodalConfig,
} from './config';
import { buildEncoderGraph, MEDIA_ENCODER_IO, presentName, tokensName } from './encoders';
import { buildConcatPrefixGraph, buildFusionHeadGraph, buildHiddenGraph, FUSION_IO } from './fusion';
import { type ImageLimits, preprocessImage } from './image';
import { MediaInputError } from './media-error';
import { textWeights } from './weights';

/** Raw media of one request; `field` names it in errors (default `image` / `audio`). */
export interface MediaBytes {
  readonly image?: { readonly data: Uint8Array; readonly field?: string };
  readonly audio?: { readonly data: Uint8Array; readonly field?: string };
}

/** Encoder outputs of one request: modality tokens `[N_m, D_m]` row-major, for the modalities present. */
export type EncodedMedia = Readonly<Partial<Record<Modality, Float32Array>>>;

/** Modality tokens `[batch, N_m, D_m]` and presence flags `[batch]` (late fusion). */
export interface ModalityMemory {
  readonly tokens: Float32Array;
  readonly present: Float32Array;
}

export interface MultimodalState extends DecodeState {
  /** The text RetNet's recurrent state (all layers, stacked on the batch dim). */
  readonly text: RetNetState;
  /** Late fusion: every configured modality's tokens and presence, stacked on the batch dim; empty for concat. */
  readonly memory: Readonly<Partial<Record<Modality, ModalityMemory>>>;
}

export interface MultimodalModelOptions extends RuntimeOptions {
  /** Chunk length for chunkwise prefill (default 256). */
  chunkSize?: number;
  /** Fresh prompts up to this many tokens use the parallel form (default 128). */
  parallelPrefillMax?: number;
  imageLimits?: ImageLimits;
}

interface HiddenSessions {
  parallel: EngineSession;
  chunkwise: EngineSession;
  recurrent: EngineSession;
  head: EngineSession;
}

export class MultimodalModel implements LanguageModel<MultimodalState> {
  readonly vocabSize: number;
  readonly maxSeqLen: number;
  readonly modalities: readonly Modality[];
  private readonly chunkSize: number;
  private readonly parallelPrefillMax: number;
  private readonly prefixes = new Map<string, Promise<EngineSession>>();
  private readonly layerSize: number;

  private constructor(
    readonly config: MultimodalConfig,
    private readonly weights: WeightMap,
    private readonly encoders: Partial<Record<Modality, EngineSession>>,
    /** concat: the text decoder. */
    private readonly decoder: RetNetModel | undefined,
    /** late fusion: RetNet forms with hidden-state outputs + the fusion head. */
    private readonly late: HiddenSessions | undefined,
    private readonly opts: MultimodalModelOptions,
  ) {
    this.vocabSize = config.text.vocab_size;
    this.maxSeqLen = config.text.max_seq_len;
    this.modalities = configuredModalities(config);
    this.chunkSize = opts.chunkSize ?? 256;
    this.parallelPrefillMax = opts.parallelPrefillMax ?? 128;
    const t = config.text;
    const dk = t.embed_dim / t.num_heads;
    const dv = (t.value_factor * t.embed_dim) / t.num_heads;
    this.layerSize = t.num_heads * dk * (dv + 1);
  }

  /** Builds every graph from named weights (ADR 0003 layout) and opens the sessions. */
  static async create(
    config: MultimodalConfig,
    weights: WeightMap,
    opts: MultimodalModelOptions = {},
  ): Promise<MultimodalModel> {
    const cfg = parseMultimodalConfig(config);
    const quiet = { ...opts, log: () => {} };
    const encoders: Partial<Record<Modality, EngineSession>> = {};
    let first = true;
    for (const m of configuredModalities(cfg)) {
      encoders[m] = await EngineSession.create(buildEncoderGraph(cfg, weights, m), first ? opts : quiet);
      first = false;
    }
    const text = textWeights(weights);
    if (cfg.fusion === 'concat') {
      const decoder = await RetNetModel.create(cfg.text, text, { ...quiet });
      return new MultimodalModel(cfg, weights, encoders, decoder, undefined, opts);
    }
    const prepared = prepareRetNet(cfg.text, text);
    const open = (form: RetNetForm) => EngineSession.create(buildHiddenGraph(prepared, form), quiet);
    const late: HiddenSessions = {
      parallel: await open('parallel'),
      chunkwise: await open('chunkwise'),
      recurrent: await open('recurrent'),
      head: await EngineSession.create(buildFusionHeadGraph(cfg, weights), quiet),
    };
    return new MultimodalModel(cfg, weights, encoders, undefined, late, opts);
  }

  /** Loads a checked model folder (config.json + model.safetensors + SHA256SUMS) and builds its graphs. */
  static async load(dir: string, opts: MultimodalModelOptions = {}): Promise<MultimodalModel> {
    const { config, weights } = await loadMultimodalModel(dir);
    return MultimodalModel.create(config, weights, opts);
  }

  /** The execution provider the text sessions run on (all sessions share the requested device). */
  get provider(): Provider {
    return this.decoder ? this.decoder.provider : (this.late as HiddenSessions).recurrent.provider;
  }

  /**
   * Bytes one sequence's state carries, whatever its length: the text RetNet state, plus (late fusion) every
   * configured modality's tokens and presence flag.
   */
  get stateBytesPerSequence(): number {
    let floats = this.config.text.num_layers * this.layerSize;
    if (this.late) {
      for (const m of this.modalities) {
        const { tokens, dim } = modalityShape(this.config, m);
        floats += tokens * dim + 1;
      }
    }
    return floats * 4;
  }

  /**
   * Positions the media prefix of these modalities occupies before the text: concat puts the modality tokens in
   * the sequence (N_v and/or N_a positions); late fusion attends to them beside it (0).
   */
  prefixPositions(present: readonly Modality[]): number {
    if (!this.decoder) return 0;
    return this.modalities
      .filter((m) => present.includes(m))
      .reduce((n, m) => n + modalityShape(this.config, m).tokens, 0);
  }

  /** Decodes and checks media bytes, then runs each present modality's encoder once (batch 1). */
  async encode(media: MediaBytes): Promise<EncodedMedia> {
    const out: Partial<Record<Modality, Float32Array>> = {};
    if (media.image) {
      const field = media.image.field ?? 'image';
      const v = this.config.vision;
      if (!v) throw new MediaInputError(field, 'not supported by this model (it has no vision encoder)');
      const pixels = await preprocessImage(media.image.data, v, field, this.opts.imageLimits);
      out.vision = await this.encodeBatch('vision', pixels, 1);
    }
    if (media.audio) {
      const field = media.audio.field ?? 'audio';
      const a = this.config.audio;
      if (!a) throw new MediaInputError(field, 'not supported by this model (it has no audio encoder)');
      out.audio = await this.encodeBatch('audio', preprocessAudio(media.audio.data, a, field).samples, 1);
    }
    return out;
  }

  /**
   * Runs one encoder on a batch of preprocessed inputs (vision: pixels [B, 3, S, S]; audio: waveform [B, clip]);
   * returns its tokens [B, N_m, D_m].
   */
  async encodeBatch(m: Modality, input: Float32Array, batch: number): Promise<Float32Array> {
    return floatOut(await this.runEncoder(m, input, batch), tokensName(m));
  }

  /** The audio encoder's in-graph log-mel spectrogram [B, frames, n_mels] for waveforms [B, clip]. */
  async logMel(waveform: Float32Array, batch: number): Promise<Float32Array> {
    return floatOut(await this.runEncoder('audio', waveform, batch), MEDIA_ENCODER_IO.logMel);
  }

  private async runEncoder(m: Modality, input: Float32Array, batch: number): Promise<Record<string, HostTensor>> {
    const session = this.encoders[m];
    if (!session) throw new Error(`this model has no ${m} encoder`);
    if (m === 'vision') {
      const S = this.config.vision?.image_size as number;
      return session.run({ [MEDIA_ENCODER_IO.pixels]: float32(input, [batch, 3, S, S]) });
    }
    return session.run({
      [MEDIA_ENCODER_IO.waveform]: float32(input, [batch, this.config.audio?.clip_samples as number]),
    });
  }

  /**
   * The state after the media and the position where the text starts: pass it as `from` to {@link prefill}.
   * No media gives the empty state at position 0 (text only).
   */
  async mediaPrefix(media: EncodedMedia): Promise<{ state: MultimodalState; position: number }> {
    for (const m of Object.keys(media) as Modality[]) {
      if (!this.modalities.includes(m)) throw new Error(`this model has no ${m} encoder`);
    }
    if (!this.decoder) return { state: this.emptyState(1, media), position: 0 };
    const present = this.modalities.filter((m) => media[m] !== undefined);
    if (present.length === 0) return { state: this.emptyState(1), position: 0 };
    const session = await this.prefixSession(present);
    const feeds: Record<string, HostTensor> = {};
    let position = 0;
    for (const m of present) {
      const { tokens, dim } = modalityShape(this.config, m);
      feeds[tokensName(m)] = float32(media[m] as Float32Array, [1, tokens, dim]);
      position += tokens;
    }
    if (position >= this.maxSeqLen) {
      throw new Error(`media prefix of ${position} tokens leaves no room in max_seq_len ${this.maxSeqLen}`);
    }
    const out = await session.run(feeds);
    return { state: { batchSize: 1, text: this.textStateFrom(out, 1), memory: {} }, position };
  }

  /** A LanguageModel bound to `media`: its prefill(tokens) starts after the media prefix. */
  async condition(media: EncodedMedia): Promise<LanguageModel<MultimodalState>> {
    return new ConditionedModel(this, await this.mediaPrefix(media));
  }

  async prefill(
    tokens: readonly number[],
    from?: { state: MultimodalState; position: number },
  ): Promise<PrefillResult<MultimodalState>> {
    if (from && from.state.batchSize !== 1) throw new Error('prefill continues a batch-1 state; use splitState first');
    if (this.decoder) {
      const out =
        from && from.position > 0
          ? await this.decoder.prefill(tokens, { state: from.state.text, position: from.position })
          : await this.decoder.prefill(tokens);
      return { logits: out.logits, state: { batchSize: 1, text: out.state, memory: {} }, position: out.position };
    }
    const late = this.late as HiddenSessions;
    const start = from?.position ?? 0;
    const state = from?.state ?? this.emptyState(1);
    this.checkTokens(tokens, start + tokens.length);
    if (tokens.length === 0) throw new Error('prefill needs at least one token');
    let out: Record<string, HostTensor>;
    if (start === 0 && tokens.length <= this.parallelPrefillMax) {
      out = await late.parallel.run({ tokens: int64(tokens, [1, tokens.length]) });
    } else {
      let text = state.text;
      out = {};
      for (let offset = 0; offset < tokens.length; offset += this.chunkSize) {
        const chunk = tokens.slice(offset, offset + this.chunkSize);
        out = await late.chunkwise.run({
          tokens: int64(chunk, [1, chunk.length]),
          start: int64([start + offset], [1]),
          ...this.textFeeds(text),
        });
        text = this.textStateFrom(out, 1);
      }
    }
    const next: MultimodalState = { batchSize: 1, text: this.textStateFrom(out, 1), memory: state.memory };
    const logits = await this.fusionHead(floatOut(out, FUSION_IO.hidden), next);
    return { logits, state: next, position: start + tokens.length };
  }

  async decodeStep(
    tokens: readonly number[],
    positions: readonly number[],
    state: MultimodalState,
  ): Promise<DecodeStepResult<MultimodalState>> {
    if (this.decoder) {
      const out = await this.decoder.decodeStep(tokens, positions, state.text);
      return { logits: out.logits, state: { batchSize: state.batchSize, text: out.state, memory: {} } };
    }
    const B = tokens.length;
    if (positions.length !== B || state.batchSize !== B) {
      throw new Error(`decodeStep: ${B} tokens, ${positions.length} positions, state batch ${state.batchSize}`);
    }
    this.checkTokens(tokens, Math.max(...positions) + 1);
    const out = await (this.late as HiddenSessions).recurrent.run({
      tokens: int64(tokens, [B]),
      positions: int64(positions, [B]),
      ...this.textFeeds(state.text),
    });
    const next: MultimodalState = { batchSize: B, text: this.textStateFrom(out, B), memory: state.memory };
    return { logits: await this.fusionHead(floatOut(out, FUSION_IO.hidden), next), state: next };
  }

  stackStates(states: readonly MultimodalState[]): MultimodalState {
    const batchSize = states.reduce((n, s) => n + s.batchSize, 0);
    const L = this.config.text.num_layers;
    const text: RetNetState = {
      batchSize,
      layers: Array.from({ length: L }, (_, l) => concatFloat32(states.map((s) => s.text.layers[l] as Float32Array))),
    };
    const memory: Partial<Record<Modality, ModalityMemory>> = {};
    if (this.late) {
      for (const m of this.modalities) {
        memory[m] = {
          tokens: concatFloat32(states.map((s) => (s.memory[m] as ModalityMemory).tokens)),
          present: concatFloat32(states.map((s) => (s.memory[m] as ModalityMemory).present)),
        };
      }
    }
    return { batchSize, text, memory };
  }

  splitState(state: MultimodalState): MultimodalState[] {
    const per = this.layerSize;
    return Array.from({ length: state.batchSize }, (_, b) => {
      const memory: Partial<Record<Modality, ModalityMemory>> = {};
      for (const m of Object.keys(state.memory) as Modality[]) {
        const mem = state.memory[m] as ModalityMemory;
        const size = mem.tokens.length / state.batchSize;
        memory[m] = { tokens: mem.tokens.slice(b * size, (b + 1) * size), present: mem.present.slice(b, b + 1) };
      }
      return {
        batchSize: 1,
        text: { batchSize: 1, layers: state.text.layers.map((layer) => layer.slice(b * per, (b + 1) * per)) },
        memory,
      };
    });
  }

  async dispose(): Promise<void> {
    const sessions: EngineSession[] = Object.values(this.encoders);
    if (this.late) sessions.push(...Object.values(this.late));
    for (const p of this.prefixes.values()) sessions.push(await p);
    await Promise.all([...sessions.map((s) => s.dispose()), this.decoder?.dispose()]);
  }

  /** Zero text state; late fusion: zero memory, with the given media marked present. */
  private emptyState(batchSize: number, media: EncodedMedia = {}): MultimodalState {
    const L = this.config.text.num_layers;
    const text: RetNetState = {
      batchSize,
      layers: Array.from({ length: L }, () => new Float32Array(batchSize * this.layerSize)),
    };
    const memory: Partial<Record<Modality, ModalityMemory>> = {};
    if (this.late) {
      for (const m of this.modalities) {
        const { tokens, dim } = modalityShape(this.config, m);
        const given = media[m];
        if (given && given.length !== tokens * dim) {
          throw new Error(`${m} tokens hold ${given.length} values; expected ${tokens}×${dim}`);
        }
        memory[m] = {
          tokens: given ? Float32Array.from(given) : new Float32Array(batchSize * tokens * dim),
          present: new Float32Array(batchSize).fill(given ? 1 : 0),
        };
      }
    }
    return { batchSize, text, memory };
  }

  private prefixSession(mods: readonly Modality[]): Promise<EngineSession> {
    const key = mods.join('+');
    let session = this.prefixes.get(key);
    if (!session) {
      const prepared = prepareRetNet(this.config.text, textWeights(this.weights));
      const bytes = buildConcatPrefixGraph(this.config, prepared, this.weights, mods);
      session = EngineSession.create(bytes, { ...this.opts, log: () => {} });
      this.prefixes.set(key, session);
    }
    return session;
  }

  private async fusionHead(hidden: Float32Array, state: MultimodalState): Promise<Float32Array> {
    const B = state.batchSize;
    const feeds: Record<string, HostTensor> = {
      [FUSION_IO.hidden]: float32(hidden, [B, 1, this.config.text.embed_dim]),
    };
    for (const m of this.modalities) {
      const { tokens, dim } = modalityShape(this.config, m);
      const mem = state.memory[m] as ModalityMemory;
      feeds[tokensName(m)] = float32(mem.tokens, [B, tokens, dim]);
      feeds[presentName(m)] = float32(mem.present, [B]);
    }
    const out = await (this.late as HiddenSessions).head.run(feeds);
    return floatOut(out, FUSION_IO.logits); // [B, 1, V] = [B, V]
  }

  private textFeeds(state: RetNetState): Record<string, HostTensor> {
    const t = this.config.text;
    const dk = t.embed_dim / t.num_heads;
    const dv = (t.value_factor * t.embed_dim) / t.num_heads;
    const feeds: Record<string, HostTensor> = {};
    state.layers.forEach((layer, i) => {
      feeds[stateInName(i)] = float32(layer, [state.batchSize, t.num_heads, dk, dv + 1]);
    });
    return feeds;
  }

  private textStateFrom(out: Record<string, HostTensor>, batchSize: number): RetNetState {
    const L = this.config.text.num_layers;
    return { batchSize, layers: Array.from({ length: L }, (_, i) => floatOut(out, stateOutName(i))) };
  }

  private checkTokens(tokens: readonly number[], endPosition: number): void {
    const bad = tokens.find((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabSize);
    if (bad !== undefined) throw new Error(`token id ${bad} is outside the vocabulary [0, ${this.vocabSize})`);
    if (endPosition > this.maxSeqLen) {
      throw new Error(`context of ${endPosition} tokens exceeds max_seq_len ${this.maxSeqLen} of this model`);
    }
  }
}

/** The model with a media prefix bound: prefill(tokens) continues from the prefix. */
class ConditionedModel implements LanguageModel<MultimodalState> {
  readonly vocabSize: number;
  readonly maxSeqLen: number;

  constructor(
    private readonly model: MultimodalModel,
    private readonly prefix: { state: MultimodalState; position: number },
  ) {
    this.vocabSize = model.vocabSize;
    // The media occupy positions 0 … P−1; the text gets the rest of the context.
    this.maxSeqLen = model.maxSeqLen - prefix.position;
  }

  prefill(tokens: readonly number[], from?: { state: MultimodalState; position: number }) {
    return this.model.prefill(tokens, from ?? this.prefix);
  }

  decodeStep(tokens: readonly number[], positions: readonly number[], state: MultimodalState) {
    return this.model.decodeStep(tokens, positions, state);
  }

  stackStates(states: readonly MultimodalState[]): MultimodalState {
    return this.model.stackStates(states);
  }

  splitState(state: MultimodalState): MultimodalState[] {
    return this.model.splitState(state);
  }

  /** The underlying model owns the sessions; dispose it, not the binding. */
  async dispose(): Promise<void> {}
}

function floatOut(out: Record<string, HostTensor>, name: string): Float32Array {
  const t = out[name];
  if (t?.type !== 'float32') throw new Error(`graph output '${name}' missing or not float32`);
  return t.data;
}
