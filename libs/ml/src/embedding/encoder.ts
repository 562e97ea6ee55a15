// RetNetEncoder: texts → sentence vectors (masked mean of the final-normed hidden states, optionally L2-normalised)
// on one ORT session. Texts are tokenised, sorted by length and run in micro-batches of similar length, each
// right-padded to its longest row, so padding costs little and never changes a vector.
import { loadModel } from '../retnet/checkpoint';
import type { RetNetConfig } from '../retnet/config';
import { prepareRetNet } from '../retnet/graph';
import { EngineSession, float32, type HostTensor, int64, type Provider, type RuntimeOptions } from '../runtime/session';
import { createTokenizer } from '../tokenizers/registry';
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { WeightMap } from '../weights/tensor';
import { buildRetNetEncoderGraph, ENCODER_IO } from './encoder-graph';

export interface EncoderOptions extends RuntimeOptions {
  /** Rows per ORT run, at most (default 32). */
  microBatchSize?: number;
  /**
   * Padded tokens (rows × longest row) per ORT run, at most (default 1024; a single longer row runs alone). The
   * parallel form's intermediates grow with rows × length²: past a few thousand tokens they leave the CPU caches and
   * a bigger batch gets slower per text, so long texts run in smaller batches than short ones.
   */
  maxBatchTokens?: number;
  /** Texts longer than this many tokens are cut (default: the model's max_seq_len). */
  maxTokens?: number;
}

export interface EmbedOptions {
  /** Scale each vector to unit L2 norm (default true). */
  normalize?: boolean;
}

export interface EncodedBatch {
  /** One vector of `dimension` floats per text, in input order. */
  readonly vectors: Float32Array[];
  /** Tokens read across all texts (after truncation). */
  readonly tokens: number;
  /** How many texts were cut to `maxTokens`. */
  readonly truncated: number;
}

export class RetNetEncoder {
  readonly dimension: number;
  readonly maxTokens: number;
  private readonly microBatchSize: number;
  private readonly maxBatchTokens: number;
  private readonly padId: number;

  private constructor(
    readonly config: RetNetConfig,
    readonly tokenizer: Tokenizer,
    private readonly session: EngineSession,
    opts: EncoderOptions,
  ) {
    this.dimension = config.embed_dim;
    this.maxTokens = Math.min(opts.maxTokens ?? config.max_seq_len, config.max_seq_len);
    this.microBatchSize = opts.microBatchSize ?? 32;
    this.maxBatchTokens = opts.maxBatchTokens ?? 1024;
    if (!Number.isInteger(this.microBatchSize) || this.microBatchSize < 1) {
      throw new Error('microBatchSize must be an integer ≥ 1');
    }
    // Any valid id works (padding is masked and, the model being causal, never seen by real tokens); small byte
    // vocabularies may not include the tokenizer's own pad id.
    const pad = tokenizer.specialTokens.pad;
    this.padId = pad < config.vocab_size ? pad : 0;
  }

  /** Builds the encoder graph from named weights (ADR layout) and opens its session. */
  static async create(config: RetNetConfig, weights: WeightMap, opts: EncoderOptions = {}): Promise<RetNetEncoder> {
    const tokenizer = await createTokenizer(config.tokenizer);
    const session = await EngineSession.create(buildRetNetEncoderGraph(prepareRetNet(config, weights)), opts);
    return new RetNetEncoder(config, tokenizer, session, opts);
  }

  /** Loads a checked model folder (config.json + model.safetensors + SHA256SUMS). */
  static async load(dir: string, opts: EncoderOptions = {}): Promise<RetNetEncoder> {
    const { config, weights } = await loadModel(dir);
    return RetNetEncoder.create(config, weights, opts);
  }

  get provider(): Provider {
    return this.session.provider;
  }

  /** Token ids of a text as the encoder reads it (cut to maxTokens). */
  tokenize(text: string): number[] {
    return this.tokenizer.encode(text).slice(0, this.maxTokens);
  }

  /** Embeds texts; every text must produce at least one token. */
  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<EncodedBatch> {
    let truncated = 0;
    const rows = texts.map((text, index) => {
      const ids = this.tokenizer.encode(text);
      if (ids.length === 0) throw new Error(`text ${index} is empty: it has no tokens to embed`);
      if (ids.length > this.maxTokens) truncated += 1;
      return { index, ids: ids.length > this.maxTokens ? ids.slice(0, this.maxTokens) : ids };
    });
    const vectors = await this.embedTokens(
      rows.map((r) => r.ids),
      opts,
    );
    return { vectors, tokens: rows.reduce((n, r) => n + r.ids.length, 0), truncated };
  }

  /** Embeds token rows (each non-empty, at most maxTokens long); vectors in input order. */
  async embedTokens(rows: readonly (readonly number[])[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const output = opts.normalize === false ? ENCODER_IO.pooled : ENCODER_IO.embedding;
    const order = rows.map((_, i) => i).sort((a, b) => (rows[a] as number[]).length - (rows[b] as number[]).length);
    const vectors: Float32Array[] = new Array(rows.length);
    for (let start = 0; start < order.length; ) {
      // Rows are sorted by length, so the last row added is the longest: the group's padded size is count × it.
      let end = start + 1;
      while (
        end < order.length &&
        end - start < this.microBatchSize &&
        (end - start + 1) * (rows[order[end] as number] as number[]).length <= this.maxBatchTokens
      ) {
        end += 1;
      }
      const group = order.slice(start, end);
      start = end;
      const out = await this.runPadded(
        group.map((i) => rows[i] as number[]),
        output,
      );
      const d = this.dimension;
      group.forEach((rowIndex, b) => {
        vectors[rowIndex] = out.slice(b * d, (b + 1) * d);
      });
    }
    return vectors;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }

  /** One ORT run over rows right-padded to the longest; returns `output` [rows, d] flattened. */
  private async runPadded(rows: readonly (readonly number[])[], output: string): Promise<Float32Array> {
    const B = rows.length;
    const S = Math.max(...rows.map((r) => r.length));
    const tokens = new BigInt64Array(B * S).fill(BigInt(this.padId)); // [B, S]
    const mask = new Float32Array(B * S); // [B, S]
    rows.forEach((row, b) => {
      if (row.length === 0) throw new Error('cannot embed an empty token row');
      if (row.length > this.maxTokens) throw new Error(`a row of ${row.length} tokens exceeds ${this.maxTokens}`);
      row.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocab_size) {
          throw new Error(`token id ${id} is outside the vocabulary [0, ${this.config.vocab_size})`);
        }
        tokens[b * S + t] = BigInt(id);
        mask[b * S + t] = 1;
      });
    });
    const feeds: Record<string, HostTensor> = {
      [ENCODER_IO.tokens]: int64(tokens, [B, S]),
      [ENCODER_IO.mask]: float32(mask, [B, S]),
    };
    const out = (await this.session.run(feeds, [output]))[output];
    if (out?.type !== 'float32') throw new Error(`encoder output '${output}' missing`);
    return out.data;
  }
}
