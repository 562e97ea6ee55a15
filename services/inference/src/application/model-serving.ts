// Which model version serves which reference, and hot swapping. A route (`name@alias`, `name:version`) points at
// one loaded instance (a model version with its own batch scheduler). Moving an alias loads the new version
// first, then re-points the route: requests already admitted finish on the old instance, which is disposed once
// its last request ends; new requests go to the new one. No request fails because of a swap.
import type { DecodeState } from '@neuroforge/ml';
import { InferenceError } from '../domain/inference-error';
import { type ModelRef, refKey, versionKey } from '../domain/model-ref';
import { BatchScheduler } from './batch-scheduler';
import type { LoadedEngineModel, ModelLoader } from './ports/model-loader.port';
import type { ModelSource, ResolvedModel } from './ports/model-source.port';
import type { ServingMetrics } from './ports/serving-metrics.port';
import { PrefixStateCache } from './prefix-cache';

export interface ServingLimits {
  readonly maxBatchSize: number;
  readonly maxQueue: number;
  readonly batchWaitMs: number;
  readonly prefixCacheBytes: number;
}

export class ModelInstance {
  /** Routes currently pointing here (`name@alias`, `name:version`). */
  readonly routes = new Set<string>();
  retired = false;

  constructor(
    readonly resolved: ResolvedModel,
    readonly engine: LoadedEngineModel,
    readonly scheduler: BatchScheduler<DecodeState>,
  ) {}

  get key(): string {
    return versionKey(this.resolved.name, this.resolved.version);
  }
}

export interface ServingLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export class ModelServing {
  private readonly routes = new Map<string, ModelInstance>();
  /** Route → the registry alias (`name@alias`) it follows, for routes that follow one. */
  private readonly follows = new Map<string, string>();
  private readonly instances = new Map<string, ModelInstance>();
  private readonly loadingVersions = new Map<string, Promise<ModelInstance>>();
  private readonly loadingRoutes = new Map<string, Promise<ModelInstance>>();
  readonly prefixCache: PrefixStateCache<DecodeState>;
  private readonly retiring = new Set<Promise<void>>();
  /** Models deleted in the registry: refused until an alias of theirs moves again (a re-created model). */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly source: ModelSource,
    private readonly loader: ModelLoader,
    private readonly limits: ServingLimits,
    private readonly metrics: ServingMetrics,
    private readonly log: ServingLog,
  ) {
    this.prefixCache = new PrefixStateCache(limits.prefixCacheBytes);
  }

  /** The instance a reference is routed to right now, if any (synchronous: used between lookup and submit). */
  routed(ref: ModelRef): ModelInstance | undefined {
    return this.routes.get(refKey(ref));
  }

  /** The routed instance, loading the reference on first use (concurrent callers share one load). */
  async ensure(ref: ModelRef): Promise<ModelInstance> {
    const key = refKey(ref);
    const current = this.routes.get(key);
    if (current) return current;
    if (this.deleted.has(ref.name)) throw InferenceError.modelNotFound(key, 'the model was deleted');
    let loading = this.loadingRoutes.get(key);
    if (!loading) {
      loading = (async () => {
        const resolved = await this.source.resolve(ref);
        const instance = await this.instanceFor(resolved);
        this.point(key, instance);
        if (resolved.followsAlias)
          this.follows.set(key, `${resolved.followsAlias.name}@${resolved.followsAlias.alias}`);
        return instance;
      })().finally(() => this.loadingRoutes.delete(key));
      this.loadingRoutes.set(key, loading);
    }
    return loading;
  }

  /** The aliases routed to an instance, as the registry names them (the alias a route follows, else its own). */
  aliasesOf(instance: ModelInstance): string[] {
    const aliases = [...instance.routes].map((route) => {
      const followed = this.follows.get(route) ?? route;
      const at = followed.indexOf('@');
      return at < 0 ? '' : followed.slice(at + 1);
    });
    return [...new Set(aliases.filter(Boolean))];
  }

  /** Loaded instances with the routes that point at them. */
  loaded(): ModelInstance[] {
    return [...this.instances.values()].filter((i) => !i.retired);
  }

  get hasModels(): boolean {
    return this.routes.size > 0;
  }

  /**
   * An alias moved (model registry event). Only routes that follow that alias are affected; the new version is
   * loaded before they move. Returns how many routes moved (0 for an alias this server does not serve, or a
   * replayed event whose version is already served).
   */
  async aliasMoved(name: string, alias: string, version: number): Promise<number> {
    this.deleted.delete(name);
    const followed = `${name}@${alias}`;
    const keys = [...this.follows].filter(([, f]) => f === followed).map(([key]) => key);
    let moved = 0;
    for (const key of keys) {
      const current = this.routes.get(key);
      if (!current || current.resolved.version === version) continue;
      const resolved = await this.source.resolve({ kind: 'version', name, version });
      const next = await this.instanceFor(resolved);
      this.point(key, next);
      moved += 1;
      this.log.info({ route: key, from: current.key, to: next.key }, 'alias moved: new requests use the new version');
    }
    return moved;
  }

  /** A model was deleted: nothing routes to it any more; in-flight requests finish first. */
  modelDeleted(name: string): number {
    this.deleted.add(name);
    let removed = 0;
    for (const [key, instance] of [...this.routes]) {
      if (instance.resolved.name !== name) continue;
      this.routes.delete(key);
      this.follows.delete(key);
      instance.routes.delete(key);
      this.retireIfUnrouted(instance);
      removed += 1;
    }
    if (removed) this.log.info({ model: name, routes: removed }, 'model deleted: unloaded');
    return removed;
  }

  /** Stops every scheduler and disposes every model once its requests finished (shutdown). */
  async close(): Promise<void> {
    for (const [key, instance] of [...this.routes]) {
      this.routes.delete(key);
      instance.routes.delete(key);
      this.retireIfUnrouted(instance);
    }
    await Promise.allSettled([...this.retiring]);
  }

  private point(key: string, instance: ModelInstance): void {
    const previous = this.routes.get(key);
    this.routes.set(key, instance);
    instance.routes.add(key);
    if (previous && previous !== instance) {
      previous.routes.delete(key);
      this.retireIfUnrouted(previous);
    }
  }

  private retireIfUnrouted(instance: ModelInstance): void {
    if (instance.routes.size > 0 || instance.retired) return;
    instance.retired = true;
    instance.scheduler.stop();
    this.instances.delete(instance.key);
    const done = (async () => {
      await instance.scheduler.whenIdle();
      this.prefixCache.deleteModel(instance.key);
      this.metrics.removeModel(instance.resolved.name, instance.resolved.version);
      await instance.engine.model.dispose();
      this.log.info({ model: instance.key }, 'model version disposed after its last request');
    })()
      .catch((error) => this.log.warn({ model: instance.key, error: String(error) }, 'disposing a model failed'))
      .finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }

  private async instanceFor(resolved: ResolvedModel): Promise<ModelInstance> {
    const key = versionKey(resolved.name, resolved.version);
    const existing = this.instances.get(key);
    if (existing) return existing;
    let loading = this.loadingVersions.get(key);
    if (!loading) {
      loading = this.load(resolved).finally(() => this.loadingVersions.delete(key));
      this.loadingVersions.set(key, loading);
    }
    return loading;
  }

  private async load(resolved: ResolvedModel): Promise<ModelInstance> {
    const started = performance.now();
    let engine: LoadedEngineModel;
    try {
      engine = await this.loader.load(resolved);
    } catch (error) {
      throw InferenceError.modelUnavailable(
        versionKey(resolved.name, resolved.version),
        error instanceof Error ? error.message : String(error),
      );
    }
    const key = versionKey(resolved.name, resolved.version);
    const scheduler = new BatchScheduler(engine.model, engine.tokenizer, {
      modelKey: key,
      maxBatchSize: this.limits.maxBatchSize,
      maxQueue: this.limits.maxQueue,
      batchWaitMs: this.limits.batchWaitMs,
      blockTokens: engine.blockTokens,
      parallelPrefillMax: engine.parallelPrefillMax,
      prefixCache: this.prefixCache,
      stateBytes: engine.stateBytes,
      metrics: this.metrics.forModel(resolved.name, resolved.version, engine.expertLoad),
    });
    const instance = new ModelInstance(resolved, engine, scheduler);
    this.instances.set(key, instance);
    this.log.info(
      {
        model: key,
        architecture: engine.architecture,
        provider: engine.provider,
        requested_provider: engine.requestedProvider,
        weights: resolved.weightsSource,
        ms: Math.round(performance.now() - started),
      },
      'model loaded',
    );
    return instance;
  }
}
