// The only module that imports onnxruntime-node: session creation with an execution-provider table and fallback,
// thread and optimisation settings, run, dispose. The rest of the engine speaks plain typed arrays (HostTensor),
// so swapping or upgrading the runtime touches this file only.
import * as ort from 'onnxruntime-node';

/** What the caller asks for; `auto` tries cuda, then webgpu, then cpu. */
export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu';
/** An execution provider that actually ran. */
export type Provider = 'cpu' | 'cuda' | 'webgpu';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface RuntimeOptions {
  device?: Device;
  /** Threads inside one operator (0 or unset: ORT's default, one per core). */
  intraOpThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Let idle intra-op threads spin-wait for the next run (ORT's default). Off by default here: a model holds several
   * sessions and a server several models, and spinning threads of one session steal cores from the one running.
   */
  spinWait?: boolean;
  /**
   * ORT's per-node profiler: every run's op timings go to `<prefix>_<timestamp>.json` (Chrome trace format), written
   * when {@link EngineSession.endProfiling} is called. For finding where a graph's time goes; off in serving.
   */
  profileFilePrefix?: string;
  /** Receives the one line that says which provider runs this session. */
  log?: (line: string) => void;
}

/** A tensor in host memory, row-major. */
export type HostTensor =
  | { readonly type: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] }
  | { readonly type: 'int64'; readonly data: BigInt64Array; readonly dims: readonly number[] };

export const float32 = (data: Float32Array, dims: readonly number[]): HostTensor => ({ type: 'float32', data, dims });
export const int64 = (values: readonly number[] | BigInt64Array, dims: readonly number[]): HostTensor => ({
  type: 'int64',
  data: values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v)),
  dims,
});

/** Providers tried for each requested device, in order. */
export const PROVIDER_ORDER: Record<Device, readonly Provider[]> = {
  auto: ['cuda', 'webgpu', 'cpu'],
  cuda: ['cuda', 'webgpu', 'cpu'],
  webgpu: ['webgpu', 'cpu'],
  cpu: ['cpu'],
};

/**
 * Providers that failed to start in this process, with the reason. A missing CUDA library or GPU adapter does not
 * appear later, so later sessions skip the probe (and ORT's error output) and report the first reason.
 */
const unavailableProviders = new Map<Provider, string>();

export class EngineSession {
  private disposed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** The execution provider this session really runs on. */
    readonly provider: Provider,
  ) {}

  /**
   * Creates a session from serialized model bytes, trying the device's providers in order. ORT throws when a
   * provider cannot start (missing CUDA libraries, no GPU adapter): that provider is skipped and the next tried.
   */
  static async create(model: Uint8Array, opts: RuntimeOptions = {}): Promise<EngineSession> {
    const device = opts.device ?? 'auto';
    const order = PROVIDER_ORDER[device];
    const failures: string[] = [];
    for (const provider of order) {
      const isLast = provider === order[order.length - 1];
      const knownFailure = unavailableProviders.get(provider);
      if (knownFailure !== undefined && !isLast) {
        failures.push(`${provider} unavailable: ${knownFailure}`);
        continue;
      }
      try {
        const session = await ort.InferenceSession.create(model, {
          executionProviders: [provider],
          graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
          ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
          extra: { session: { intra_op: { allow_spinning: opts.spinWait ? '1' : '0' } } },
          ...(opts.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: opts.profileFilePrefix } : {}),
          // Probing an unavailable provider makes ORT print its own error; keep that quiet unless it is the last.
          logSeverityLevel: isLast ? 2 : 4,
        });
        const why = failures.length ? ` (${failures.join('; ')})` : '';
        (opts.log ?? defaultLog)(`onnxruntime: device=${device} runs on provider=${provider}${why}`);
        return new EngineSession(session, provider);
      } catch (err) {
        if (isLast) throw err;
        unavailableProviders.set(provider, firstLine(err));
        failures.push(`${provider} unavailable: ${firstLine(err)}`);
      }
    }
    throw new Error(`no execution provider for device '${device}'`);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph; returns every output (or only `fetches`) as host tensors. */
  async run(feeds: Record<string, HostTensor>, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    if (this.disposed) throw new Error('EngineSession.run after dispose');
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const results = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      if (t.type === 'float32') out[name] = float32(t.data as Float32Array, t.dims);
      else if (t.type === 'int64') out[name] = int64(t.data as BigInt64Array, t.dims);
      else throw new Error(`output '${name}' has type ${t.type}; the engine reads float32 and int64 only`);
    }
    return out;
  }

  /** Writes the profile of the runs so far (sessions created with `profileFilePrefix`; a no-op otherwise). */
  endProfiling(): void {
    this.session.endProfiling();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 160);
}
