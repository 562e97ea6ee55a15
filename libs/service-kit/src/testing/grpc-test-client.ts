// A NeuroForge gRPC service over plain grpc-js, for tests: one promise per call, loaded with the same proto-loader
// options as the servers, so responses have the shapes the generated types describe.
import {
  type Client,
  type ClientReadableStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { GRPC_SERVICES, type GrpcContext, loadGrpcPackageDefinition } from '@neuroforge/contracts';

type Unary = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;
type ServerStream = (request: object, metadata: Metadata) => ClientReadableStream<unknown>;

function metadataOf(pairs: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(pairs)) metadata.set(key, value);
  return metadata;
}

export class GrpcTestClient {
  private readonly client: Client;

  constructor(context: GrpcContext, address: string) {
    const { package: pkg, service } = GRPC_SERVICES[context];
    let node: unknown = loadPackageDefinition(loadGrpcPackageDefinition(context));
    for (const part of [...pkg.split('.'), service]) node = (node as GrpcObject)[part];
    this.client = new (node as ServiceClientConstructor)(address, credentials.createInsecure());
  }

  /** One unary call (method in camelCase); rejects with the grpc-js ServiceError. */
  // biome-ignore lint/suspicious/noExplicitAny: responses are checked field by field in the tests
  call(method: string, request: object, metadata: Record<string, string> = {}): Promise<any> {
    const fn = this.method<Unary>(method);
    return new Promise((resolve, reject) => {
      fn.call(this.client, request, metadataOf(metadata), (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  /** The rejected call's error (fails when the call succeeds). */
  async failure(method: string, request: object, metadata: Record<string, string> = {}): Promise<ServiceError> {
    try {
      await this.call(method, request, metadata);
    } catch (error) {
      return error as ServiceError;
    }
    throw new Error(`${method} was expected to fail`);
  }

  /** Every message of a server stream until it ends. */
  // biome-ignore lint/suspicious/noExplicitAny: messages are checked field by field in the tests
  stream(method: string, request: object, metadata: Record<string, string> = {}): Promise<any[]> {
    const stream = this.method<ServerStream>(method).call(this.client, request, metadataOf(metadata));
    const messages: unknown[] = [];
    return new Promise((resolve, reject) => {
      stream.on('data', (message) => messages.push(message));
      stream.on('end', () => resolve(messages));
      stream.on('error', reject);
    });
  }

  close(): void {
    this.client.close();
  }

  private method<F>(name: string): F {
    const fn = (this.client as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`no RPC ${name}`);
    return fn as F;
  }
}
