import {
  type CallOptions,
  type ClientReadableStream,
  credentials,
  type Client as GrpcClient,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { GRPC_SERVICES, type GrpcContext, loadGrpcPackageDefinition } from '@neuroforge/contracts';
import { upstreamError } from './upstream-error';

// One package definition for every context the gateway calls (proto-loader options from the contracts).
const definition = loadGrpcPackageDefinition('auth', 'models', 'inference', 'training', 'embeddings');
const root = loadPackageDefinition(definition);

function constructorOf(context: GrpcContext): ServiceClientConstructor {
  const { package: pkg, service } = GRPC_SERVICES[context];
  let node: unknown = root;
  for (const part of [...pkg.split('.'), service]) node = (node as Record<string, unknown>)[part];
  return node as ServiceClientConstructor;
}

export interface CallSettings {
  /** Milliseconds until the call is abandoned (DEADLINE_EXCEEDED). */
  timeoutMs?: number;
  /** Extra request metadata, e.g. the caller's user id. */
  metadata?: Record<string, string>;
}

/** A server stream that can be iterated and cancelled (cancel ends the upstream call: CANCELLED on the server). */
export interface UpstreamStream<T> extends AsyncIterable<T> {
  cancel(): void;
  readonly cancelled: boolean;
}

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response: unknown) => void,
) => unknown;
type StreamMethod = (request: unknown, metadata: Metadata, options: CallOptions) => ClientReadableStream<unknown>;

/**
 * A grpc-js client of one NeuroForge service. Calls fail fast when the service is down (no wait for ready) and
 * every failure comes back as the gateway's ApiError, mapped in one place (upstream-error.ts).
 */
export class GrpcUpstream {
  private readonly client: GrpcClient;

  constructor(
    readonly context: GrpcContext,
    readonly address: string,
    private readonly defaultTimeoutMs = 30_000,
  ) {
    const Client = constructorOf(context);
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  /** Calls a unary RPC by its proto name, e.g. `unary('GetModel', {...})`. */
  unary<Req, Res>(method: string, request: Req, settings: CallSettings = {}): Promise<Res> {
    const fn = this.method<UnaryMethod>(method);
    return new Promise<Res>((resolve, reject) => {
      fn.call(this.client, request, this.metadata(settings), this.options(settings), (error, response) =>
        error ? reject(upstreamError(this.context, error)) : resolve(response as Res),
      );
    });
  }

  /** Opens a server-streaming RPC; iterate for the messages, `cancel()` to end it early. */
  serverStream<Req, Res>(method: string, request: Req, settings: CallSettings = {}): UpstreamStream<Res> {
    const fn = this.method<StreamMethod>(method);
    const call = fn.call(this.client, request, this.metadata(settings), this.options(settings));
    const context = this.context;
    let cancelled = false;
    // Without a listener an upstream error would be thrown as an unhandled 'error' event before iteration starts.
    let failure: unknown;
    call.on('error', (error) => {
      failure ??= error;
    });
    return {
      get cancelled() {
        return cancelled;
      },
      cancel() {
        if (cancelled) return;
        cancelled = true;
        call.cancel();
      },
      async *[Symbol.asyncIterator]() {
        try {
          for await (const message of call) yield message as Res;
        } catch (error) {
          if (!cancelled) throw upstreamError(context, error);
          return;
        }
        if (failure && !cancelled) throw upstreamError(context, failure);
      },
    };
  }

  close(): void {
    this.client.close();
  }

  private method<T>(name: string): T {
    const fn = (this.client as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`${this.context} has no RPC ${name}`);
    return fn as T;
  }

  private metadata(settings: CallSettings): Metadata {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(settings.metadata ?? {})) metadata.set(key, value);
    return metadata;
  }

  private options(settings: CallSettings): CallOptions {
    return { deadline: Date.now() + (settings.timeoutMs ?? this.defaultTimeoutMs) };
  }
}
