// The model registry over gRPC (models.v1.ModelRegistryService). Transport failures become
// TRAINING.REGISTRY_UNAVAILABLE (retried later); refusals keep the registry's code and message.
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type Metadata,
  type ServiceClientConstructor,
  status,
} from '@grpc/grpc-js';
import { loadGrpcPackageDefinition, type models } from '@neuroforge/contracts';
import { DomainError } from '@neuroforge/events';
import { errorCodeOf } from '@neuroforge/service-kit';
import type { ModelRegistry, NewVersion, RegistryVersion } from '../application/ports/model-registry.port';
import { TrainingErrorCode, trainingErrors } from '../domain/training.errors';

const CALL_TIMEOUT_MS = 15_000;
const TRANSIENT = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.RESOURCE_EXHAUSTED,
]);

type GrpcFailure = Error & { code?: number; details?: string; metadata?: Metadata };
type Unary = (
  request: object,
  options: { deadline: number },
  callback: (e: GrpcFailure | null, r: unknown) => void,
) => void;

export class GrpcModelRegistry implements ModelRegistry {
  private client: (Record<string, Unary> & { close(): void }) | undefined;

  constructor(private readonly address: string) {}

  async resolve(ref: string): Promise<RegistryVersion> {
    const pinned = /^([^:@]+):(\d+)$/.exec(ref);
    const aliased = /^([^:@]+)@([^:@]+)$/.exec(ref);
    try {
      if (pinned) return toVersion(await this.call('getVersion', { modelName: pinned[1], version: Number(pinned[2]) }));
      if (aliased) return toVersion(await this.call('resolveAlias', { modelName: aliased[1], alias: aliased[2] }));
      try {
        return toVersion(await this.call('resolveAlias', { modelName: ref, alias: 'latest' }));
      } catch (error) {
        if ((error as GrpcFailure).code !== status.NOT_FOUND) throw error;
        return toVersion(await this.call('resolveAlias', { modelName: '', alias: ref }));
      }
    } catch (error) {
      const failure = error as GrpcFailure;
      if (failure.code === status.NOT_FOUND || failure.code === status.INVALID_ARGUMENT) {
        throw trainingErrors.baseModelNotFound(ref, failure.details || failure.message);
      }
      throw this.unavailable(failure);
    }
  }

  async register(version: NewVersion): Promise<number> {
    try {
      try {
        await this.call('createModel', {
          name: version.modelName,
          architecture: 'ARCHITECTURE_RETNET',
          description: version.description,
          tags: ['trained'],
        });
      } catch (error) {
        if ((error as GrpcFailure).code !== status.ALREADY_EXISTS) throw error;
      }
      const response = (await this.call('registerVersion', {
        modelName: version.modelName,
        artifacts: version.artifacts,
        tokenizerId: version.tokenizerId,
        configJson: version.configJson,
        lineage: { source: 'LINEAGE_SOURCE_TRAINING_JOB', ...version.lineage },
        aliases: version.aliases,
      })) as models.RegisterVersionResponse;
      if (!response.version) throw new Error('the registry returned no version');
      return response.version.version;
    } catch (error) {
      const failure = error as GrpcFailure;
      if (failure.code === undefined || TRANSIENT.has(failure.code)) throw this.unavailable(failure);
      throw new DomainError(errorCodeOf(failure) || 'MODELS.REFUSED', failure.details || failure.message, {
        model: version.modelName,
      });
    }
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private unavailable(error: GrpcFailure): DomainError {
    return new DomainError(
      TrainingErrorCode.REGISTRY_UNAVAILABLE,
      `model registry at ${this.address}: ${error.details || error.message}`,
      { address: this.address },
    );
  }

  private call(method: string, request: object): Promise<unknown> {
    const client = this.connect();
    return new Promise((resolve, reject) => {
      const fn = client[method];
      if (!fn) return reject(new Error(`no RPC ${method}`));
      fn.call(client, request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  private connect(): Record<string, Unary> & { close(): void } {
    if (this.client) return this.client;
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('models')) as GrpcObject;
    const v1 = ((pkg.neuroforge as GrpcObject).models as GrpcObject).v1 as GrpcObject;
    const Client = v1.ModelRegistryService as ServiceClientConstructor;
    this.client = new Client(this.address, credentials.createInsecure()) as unknown as Record<string, Unary> & {
      close(): void;
    };
    return this.client;
  }
}

function toVersion(response: unknown): RegistryVersion {
  const version = (response as { version?: models.ModelVersion | null }).version;
  if (!version) throw Object.assign(new Error('the registry returned no version'), { code: status.NOT_FOUND });
  return {
    modelName: version.modelName,
    version: version.version,
    artifacts: version.artifacts.map((a) => ({ ...a, kind: String(a.kind) })),
    configJson: version.configJson,
    tokenizerId: version.tokenizerId,
  };
}
