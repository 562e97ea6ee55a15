// Continuous batching for one loaded model version (TGI's router loop, in one process). Requests wait in a
// bounded queue; between two decode steps the scheduler prefills new ones (at most a block of prompt tokens while
// others are decoding, so a long prompt never stalls the batch for long); every running request then advances by
// one token in ONE batched recurrent decodeStep (states stacked on the batch dimension, each sequence at its own
// position). Finished and cancelled requests leave before the next step; new ones join after their prefill.
// Token choice is GenerationSequence.step on the request's own logits row, so batching never changes an output.
// A multimodal request arrives with its media prefix (state + absolute position, built once at admission): its
// prefill continues from it, and it never reads or fills the prefix-state cache (the media are not in the key).
import {
  type DecodeState,
  type FinishReason,
  type GenerationParams,
  GenerationSequence,
  type LanguageModel,
  type Tokenizer,
} from '@neuroforge/ml';
import { InferenceError } from '../domain/inference-error';
import { type PrefixStateCache, prefixKeys } from './prefix-cache';

/** What the client learns once its prompt is being processed (GenerateStream's first message). */
export interface PromptStats {
  readonly promptTokens: number;
  readonly prefixCacheHit: boolean;
  /** Prompt tokens whose prefill was skipped thanks to the prefix cache. */
  readonly cachedTokens: number;
  readonly queueTimeMs: number;
}

export interface RequestTimings {
  readonly queueTimeMs: number;
  /** Arrival at the scheduler → first generated token. */
  readonly timeToFirstTokenMs: number;
  /** Arrival at the scheduler → last generated token. */
  readonly generationTimeMs: number;
}

export interface RequestOutcome {
  readonly finishReason: FinishReason;
  readonly text: string;
  readonly tokenIds: readonly number[];
  readonly promptTokens: number;
  readonly seed: bigint;
  readonly timings: RequestTimings;
}

/** Where a request's results go, in order: prompt, token*, then end or fail (exactly one of them). */
export interface GenerationSink {
  prompt(stats: PromptStats): void;
  token(tokenId: number, text: string): void;
  end(outcome: RequestOutcome): void;
  fail(error: unknown): void;
}

export interface SubmittedRequest<S extends DecodeState = DecodeState> {
  readonly id: string;
  readonly promptTokens: readonly number[];
  readonly params: GenerationParams;
  readonly sink: GenerationSink;
  /** The state after the request's media and the position where its text starts (multimodal requests). */
  readonly prefix?: { readonly state: S; readonly position: number };
}

export interface RequestHandle {
  /** Ends the request before its next step (client gone, deadline); its result is 'cancelled'. */
  cancel(): void;
}

/** Observations for metrics (all optional); the scheduler calls them, it never imports prom-client. */
export interface SchedulerMetrics {
  queueTime?(ms: number): void;
  timeToFirstToken?(ms: number): void;
  interTokenLatency?(ms: number): void;
  e2eLatency?(ms: number): void;
  tokensGenerated?(count: number): void;
  promptTokens?(count: number): void;
  prefixCache?(hit: boolean): void;
  decodeStep?(batchSize: number): void;
  load?(running: number, waiting: number): void;
  finished?(reason: FinishReason): void;
  /** After every engine call (prefill block, decode step): read what the engine counted (MoE expert load). */
  engineRan?(): void;
}

export type SchedulerEvent =
  | { readonly type: 'step'; readonly batchSize: number; readonly requestIds: readonly string[] }
  | { readonly type: 'cancel-requested'; readonly requestId: string };

export interface SchedulerOptions<S extends DecodeState> {
  /** `name:version`, the prefix-cache key space of this model. */
  readonly modelKey: string;
  readonly maxBatchSize: number;
  /** Requests that may wait beyond the running batch; more are refused with RESOURCE_EXHAUSTED. */
  readonly maxQueue: number;
  /** How long an idle scheduler waits for more arrivals before its first step (inference.batch_wait_ms). */
  readonly batchWaitMs: number;
  /** Prompt block: prefill granularity and prefix-cache boundary; must equal the engine's chunk length. */
  readonly blockTokens: number;
  /** Prompts up to this many tokens are prefilled in one call (the engine's parallel form); no prefix caching. */
  readonly parallelPrefillMax: number;
  readonly prefixCache?: PrefixStateCache<S>;
  /** Bytes of one sequence's state (prefix-cache accounting). */
  readonly stateBytes: number;
  readonly metrics?: SchedulerMetrics;
}

interface Active<S extends DecodeState> {
  readonly request: SubmittedRequest<S>;
  readonly seq: GenerationSequence;
  readonly arrivedAt: number;
  cancelled: boolean;
  position: number;
  /** The batch-1 state while the request is not part of the stacked batch state. */
  state?: S;
  // Prefill progress (block by block).
  prefillPos: number;
  prefillKeys: string[];
  logits?: Float32Array;
  cachedTokens: number;
  queueTimeMs: number;
  firstTokenAt: number;
  lastTokenAt: number;
}

export class BatchScheduler<S extends DecodeState> {
  private readonly waiting: Active<S>[] = [];
  private readonly running: Active<S>[] = [];
  private prefilling: Active<S> | undefined;
  /** Requests whose rows make up `batchState`, in batch order. */
  private members: Active<S>[] = [];
  private batchState: S | undefined;
  private loopActive = false;
  private stopped = false;
  private stepMsAverage = 0;
  private readonly listeners: ((event: SchedulerEvent) => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly model: LanguageModel<S>,
    private readonly tokenizer: Tokenizer,
    private readonly options: SchedulerOptions<S>,
  ) {}

  /** Requests admitted and not finished (waiting, prefilling or decoding). */
  get inFlight(): number {
    return this.waiting.length + this.running.length + (this.prefilling ? 1 : 0);
  }

  get runningCount(): number {
    return this.running.length;
  }

  get waitingCount(): number {
    return this.waiting.length + (this.prefilling ? 1 : 0);
  }

  observe(listener: (event: SchedulerEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Resolves once nothing is in flight (immediately when idle). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Admits a request or throws RESOURCE_EXHAUSTED (with a retry hint) when the batch and the queue are full.
   * Synchronous: once it returns, the request is in this scheduler's hands.
   */
  submit(request: SubmittedRequest<S>): RequestHandle {
    if (this.stopped) throw InferenceError.modelUnavailable(this.options.modelKey, 'the model is being unloaded');
    if (this.inFlight >= this.options.maxBatchSize + this.options.maxQueue) {
      throw InferenceError.overloaded(this.retryAfterMs(), this.waitingCount);
    }
    const active: Active<S> = {
      request,
      seq: new GenerationSequence({
        tokenizer: this.tokenizer,
        params: request.params,
        promptTokens: request.promptTokens,
        // The media prefix takes its positions out of the context.
        maxSeqLen: this.model.maxSeqLen - (request.prefix?.position ?? 0),
      }),
      arrivedAt: performance.now(),
      cancelled: false,
      position: 0,
      prefillPos: 0,
      prefillKeys: [],
      cachedTokens: 0,
      queueTimeMs: 0,
      firstTokenAt: Number.NaN,
      lastTokenAt: Number.NaN,
    };
    this.waiting.push(active);
    this.reportLoad();
    this.kick(true);
    return {
      cancel: () => {
        if (active.cancelled || active.seq.finished) return;
        active.cancelled = true;
        this.emit({ type: 'cancel-requested', requestId: request.id });
        this.kick(false);
      },
    };
  }

  /** Refuses new requests; those in flight finish normally. */
  stop(): void {
    this.stopped = true;
  }

  // ---- the loop -------------------------------------------------------------------------------------------

  private kick(arrival: boolean): void {
    if (this.loopActive) return;
    this.loopActive = true;
    // An idle scheduler waits batch_wait_ms so that requests arriving together start in one batch.
    const delay = arrival ? this.options.batchWaitMs : 0;
    setTimeout(() => void this.loop(), delay);
  }

  private async loop(): Promise<void> {
    try {
      while (this.running.length > 0 || this.waiting.length > 0 || this.prefilling) {
        // 1. Cancelled requests leave before anything else runs for them.
        this.reapCancelled();
        // 2. Prefill: everything that fits when nothing is decoding, else one block between two decode steps.
        await this.admit();
        // 3. One batched decode step for every running request.
        // (Every iteration awaits the model, so gRPC writes, arrivals and cancellations get through meanwhile.)
        if (this.running.length > 0) await this.decode();
      }
    } catch (error) {
      this.failAll(error);
    } finally {
      this.loopActive = false;
      this.batchState = undefined;
      this.members = [];
      this.reportLoad();
      if (this.inFlight > 0) this.kick(false);
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private reapCancelled(): void {
    for (let i = this.running.length - 1; i >= 0; i--) {
      const r = this.running[i] as Active<S>;
      if (r.cancelled) {
        r.seq.cancel();
        this.running.splice(i, 1);
        this.finish(r);
      }
    }
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const r = this.waiting[i] as Active<S>;
      if (r.cancelled) {
        this.waiting.splice(i, 1);
        r.seq.cancel();
        this.finish(r);
      }
    }
  }

  private async admit(): Promise<void> {
    // Prefill budget between two decode steps: unlimited when nothing decodes, else one block's worth of prompt
    // tokens (several short prompts, or one block of a long one), which bounds the pause the batch sees.
    let budget = this.running.length === 0 ? Number.POSITIVE_INFINITY : this.options.blockTokens;
    while (budget > 0) {
      if (!this.prefilling) {
        if (this.running.length >= this.options.maxBatchSize) return;
        const next = this.waiting.shift();
        if (!next) return;
        this.startPrefill(next);
        this.prefilling = next;
      }
      const r = this.prefilling;
      if (r.cancelled) {
        this.prefilling = undefined;
        r.seq.cancel();
        this.finish(r);
        continue;
      }
      const from = r.prefillPos;
      try {
        await this.prefillBlock(r);
      } catch (error) {
        this.prefilling = undefined;
        this.reportLoad();
        r.request.sink.fail(error);
        continue;
      }
      budget -= r.prefillPos - from;
      if (r.prefillPos < r.request.promptTokens.length) continue;
      // The prompt is in the state: its last logits choose the first token.
      this.prefilling = undefined;
      const step = r.seq.step((r.logits as Float32Array).subarray(0, this.model.vocabSize));
      r.logits = undefined;
      this.emitToken(r, step.tokenId, step.text);
      if (r.seq.finished) this.finish(r);
      else this.running.push(r);
      this.reportLoad();
    }
  }

  private startPrefill(r: Active<S>): void {
    const { promptTokens } = r.request;
    r.queueTimeMs = performance.now() - r.arrivedAt;
    const cache = this.options.prefixCache;
    const m = promptTokens.length;
    const block = this.options.blockTokens;
    if (cache?.enabled && !r.request.prefix && m > this.options.parallelPrefillMax && m > block) {
      // Boundaries at whole blocks that leave at least one prompt token to run (its logits pick token 1).
      r.prefillKeys = prefixKeys(this.options.modelKey, promptTokens, block, m - 1);
      for (let i = r.prefillKeys.length - 1; i >= 0; i--) {
        const state = cache.get(r.prefillKeys[i] as string);
        if (state) {
          r.state = state;
          r.prefillPos = (i + 1) * block;
          r.cachedTokens = r.prefillPos;
          break;
        }
      }
      this.options.metrics?.prefixCache?.(r.cachedTokens > 0);
    }
    this.options.metrics?.queueTime?.(r.queueTimeMs);
    this.options.metrics?.promptTokens?.(m);
    r.request.sink.prompt({
      promptTokens: m,
      prefixCacheHit: r.cachedTokens > 0,
      cachedTokens: r.cachedTokens,
      queueTimeMs: r.queueTimeMs,
    });
  }

  /** Runs the next block of the prompt (or the whole prompt when it is short). */
  private async prefillBlock(r: Active<S>): Promise<void> {
    const tokens = r.request.promptTokens;
    const m = tokens.length;
    const prefix = r.request.prefix;
    if (m <= this.options.parallelPrefillMax) {
      const out = await this.model.prefill(tokens, prefix);
      this.options.metrics?.engineRan?.();
      r.state = out.state;
      r.logits = out.logits;
      r.position = out.position;
      r.prefillPos = m;
      return;
    }
    // Blocks are aligned like the engine's own chunkwise prefill (to absolute positions for text, to the text's
    // start after a media prefix), so a run resumed from a cached state computes exactly what a cold run computes.
    const block = this.options.blockTokens;
    const start = r.prefillPos;
    const end = Math.min(start - (start % block) + block, m);
    const base = prefix?.position ?? 0;
    const from = r.state ? { state: r.state, position: base + start } : prefix;
    const out = await this.model.prefill(tokens.slice(start, end), from);
    this.options.metrics?.engineRan?.();
    r.state = out.state;
    r.logits = out.logits;
    r.position = out.position;
    r.prefillPos = end;
    const key = end % block === 0 ? r.prefillKeys[end / block - 1] : undefined;
    if (key !== undefined && !this.options.prefixCache?.has(key)) {
      this.options.prefixCache?.set(key, out.state, this.options.stateBytes);
    }
  }

  private async decode(): Promise<void> {
    this.restackIfChanged();
    const batch = this.members;
    const started = performance.now();
    const out = await this.model.decodeStep(
      batch.map((r) => r.seq.lastTokenId),
      batch.map((r) => r.position),
      this.batchState as S,
    );
    this.batchState = out.state;
    this.options.metrics?.engineRan?.();
    this.emit({ type: 'step', batchSize: batch.length, requestIds: batch.map((r) => r.request.id) });
    this.options.metrics?.decodeStep?.(batch.length);
    const V = this.model.vocabSize;
    let changed = false;
    batch.forEach((r, b) => {
      r.position += 1;
      // A request cancelled while the step ran leaves at the next reap; its token is not used.
      if (r.cancelled || r.seq.finished) return;
      const step = r.seq.step(out.logits.subarray(b * V, b * V + V));
      this.emitToken(r, step.tokenId, step.text);
      if (r.seq.finished) {
        this.running.splice(this.running.indexOf(r), 1);
        this.finish(r);
        changed = true;
      }
    });
    const ms = performance.now() - started;
    this.stepMsAverage = this.stepMsAverage === 0 ? ms : 0.9 * this.stepMsAverage + 0.1 * ms;
    if (changed) this.reportLoad();
  }

  /** Rebuilds the stacked state when requests joined or left since the last step. */
  private restackIfChanged(): void {
    const same = this.members.length === this.running.length && this.members.every((r, i) => r === this.running[i]);
    if (same && this.batchState) return;
    if (this.batchState) {
      const parts = this.model.splitState(this.batchState);
      this.members.forEach((r, i) => {
        r.state = parts[i];
      });
    }
    this.batchState = this.model.stackStates(this.running.map((r) => r.state as S));
    for (const r of this.running) r.state = undefined; // the stacked copy is the live one now
    this.members = [...this.running];
  }

  private emitToken(r: Active<S>, tokenId: number, text: string): void {
    const now = performance.now();
    if (Number.isNaN(r.firstTokenAt)) {
      r.firstTokenAt = now;
      this.options.metrics?.timeToFirstToken?.(now - r.arrivedAt);
    } else {
      this.options.metrics?.interTokenLatency?.(now - r.lastTokenAt);
    }
    r.lastTokenAt = now;
    this.options.metrics?.tokensGenerated?.(1);
    r.request.sink.token(tokenId, text);
  }

  private finish(r: Active<S>): void {
    r.state = undefined;
    const reason = r.seq.finishReason ?? 'cancelled';
    const end = Number.isNaN(r.lastTokenAt) ? performance.now() : r.lastTokenAt;
    const timings: RequestTimings = {
      queueTimeMs: r.queueTimeMs,
      timeToFirstTokenMs: Number.isNaN(r.firstTokenAt) ? 0 : r.firstTokenAt - r.arrivedAt,
      generationTimeMs: end - r.arrivedAt,
    };
    this.options.metrics?.e2eLatency?.(performance.now() - r.arrivedAt);
    this.options.metrics?.finished?.(reason);
    r.request.sink.end({
      finishReason: reason,
      text: r.seq.text,
      tokenIds: [...r.seq.tokenIds],
      promptTokens: r.request.promptTokens.length,
      seed: r.seq.seed,
      timings,
    });
  }

  private failAll(error: unknown): void {
    const all = [...this.running, ...this.waiting, ...(this.prefilling ? [this.prefilling] : [])];
    this.running.length = 0;
    this.waiting.length = 0;
    this.prefilling = undefined;
    for (const r of all) r.request.sink.fail(error);
  }

  /** Rough wait until a batch slot frees: the nearest finish among running requests, at the recent step time. */
  private retryAfterMs(): number {
    const remaining = this.running.map((r) => r.request.params.maxNewTokens - r.seq.tokenIds.length);
    const steps = (remaining.length ? Math.min(...remaining) : 1) + this.waiting.length;
    return Math.min(60_000, Math.max(50, Math.ceil(steps * (this.stepMsAverage || 10))));
  }

  private reportLoad(): void {
    this.options.metrics?.load?.(this.running.length, this.waitingCount);
  }

  private emit(event: SchedulerEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
