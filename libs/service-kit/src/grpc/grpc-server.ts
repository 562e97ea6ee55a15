import { dirname, join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { HealthImplementation, protoPath as healthProtoPath, type ServingStatus } from 'grpc-health-check';

/** A service's own gRPC contract, in the shape `@neuroforge/contracts`' `grpcPackageOptions(context)` gives it. */
export interface GrpcContract {
  package: string | string[];
  protoPath: string | string[];
  loader?: Options & { includeDirs?: string[] };
}

const LOADER_DEFAULTS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const HEALTH_PACKAGE = 'grpc.health.v1';

function reflectionProtoPath(): string {
  // @grpc/reflection ships its protos next to its build output.
  return join(dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');
}

/** Fully qualified service names in a package definition (`neuroforge.auth.v1.AuthService`). */
export function serviceNames(definition: PackageDefinition): string[] {
  return Object.entries(definition)
    .filter(([, value]) => !('format' in value))
    .map(([name]) => name);
}

/** The message types of a definition without its services, so Nest has a package to look up but nothing to bind. */
function messagesOnly(definition: PackageDefinition): PackageDefinition {
  return Object.fromEntries(Object.entries(definition).filter(([, value]) => 'format' in value));
}

/**
 * The gRPC side of a service: its own contract (when it has one), `grpc.health.v1.Health` and server
 * reflection, all on one grpc-js server that Nest's transport creates. Health follows readiness.
 */
export class GrpcEndpoint {
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly servedNames: string[];
  private readonly ownDefinition: PackageDefinition | undefined;
  private server: Server | undefined;

  constructor(private readonly contract: GrpcContract | undefined) {
    this.ownDefinition = contract
      ? loadSync(contract.protoPath, { ...LOADER_DEFAULTS, ...contract.loader })
      : undefined;
    this.servedNames = this.ownDefinition ? serviceNames(this.ownDefinition) : [];
    for (const name of this.servedNames) this.health.setStatus(name, 'NOT_SERVING');
  }

  /** Options for `NestFactory.createMicroservice` / `connectMicroservice`. */
  options(url: string): GrpcOptions {
    const healthDefinition = loadSync(healthProtoPath, LOADER_DEFAULTS);
    const reflectionDefinition = loadSync(reflectionProtoPath(), LOADER_DEFAULTS);
    // Until the service has its own contract, Nest is given the health messages alone: a package to look up
    // with no service of its own to bind (the health service itself is bound below, by grpc-health-check).
    const nestDefinition = this.ownDefinition ?? messagesOnly(healthDefinition);
    const nestPackage = this.contract?.package ?? HEALTH_PACKAGE;
    return {
      transport: Transport.GRPC,
      options: {
        url,
        package: nestPackage,
        packageDefinition: nestDefinition,
        onLoadPackageDefinition: (_pkg: unknown, server: Server) => {
          this.server = server;
          this.health.addToServer(server);
          const described = { ...this.ownDefinition, ...healthDefinition, ...reflectionDefinition };
          new ReflectionService(described).addToServer(server);
        },
      },
    };
  }

  /** Every served name, plus '' for the server as a whole, says SERVING or NOT_SERVING. */
  setServing(serving: boolean): void {
    const status: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    for (const name of this.servedNames) this.health.setStatus(name, status);
  }

  /**
   * Stops accepting calls and waits for in-flight ones, at most `timeoutMs`; then cancels what is left.
   * Resolves true when every call finished in time.
   */
  drain(timeoutMs: number): Promise<boolean> {
    const server = this.server;
    if (!server) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve(false);
      }, timeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
