// Models from the model registry over gRPC (ResolveAlias / GetVersion / GetModel), shared by every service that
// loads registered models. The registry stores artifacts content-addressed (file:///…/sha256/ab/ab12…), so a version
// is staged as a folder in the engine's layout: symlinks named after the artifacts plus a SHA256SUMS written from
// the hashes the registry recorded — the engine then verifies the bytes against what the registry vouches for, on
// the same code path as a local folder. Failures are raised as the calling service's own error type.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  status,
} from '@grpc/grpc-js';
import { loadGrpcPackageDefinition, type ModelRef, type models, refKey } from '@neuroforge/contracts';

const CALL_TIMEOUT_MS = 5000;

/** How a service turns registry failures into its own errors; `ref` is the model reference as the client wrote it. */
export interface RegistryModelErrors {
  /** The registry has no such model, version or alias. */
  notFound(ref: string, why: string): Error;
  /** The registry cannot be reached, or the version cannot be loaded from where it is stored. */
  unavailable(ref: string, why: string): Error;
}

export interface RegistryModelClientOptions {
  /** host:port of the model registry's gRPC endpoint. */
  readonly address: string;
  /** Folder under which versions are staged, one subfolder each. */
  readonly stagingRoot: string;
  readonly errors: RegistryModelErrors;
}

/** A registered version and, when the reference named an alias, the alias it was found under. */
export interface ResolvedRegistryVersion {
  readonly version: models.ModelVersion;
  readonly followsAlias?: { readonly name: string; readonly alias: string };
}

type Unary<Req, Res> = (
  request: Req,
  options: { deadline: number },
  callback: (error: (Error & { code?: number; details?: string }) | null, response: Res) => void,
) => void;

interface RegistryClient {
  resolveAlias: Unary<models.ResolveAliasRequest, models.ResolveAliasResponse>;
  getVersion: Unary<models.GetVersionRequest, models.GetVersionResponse>;
  getModel: Unary<models.GetModelRequest, models.GetModelResponse>;
  close(): void;
}

type Method = 'resolveAlias' | 'getVersion' | 'getModel';
type RequestOf<K extends Method> = Parameters<RegistryClient[K]>[0];
type ResponseOf<K extends Method> = Parameters<Parameters<RegistryClient[K]>[2]>[1];

/** A failed call before it becomes the service's error: the bare-name fallback needs to see NOT_FOUND itself. */
class RegistryCallFailure extends Error {
  constructor(
    readonly notFound: boolean,
    readonly why: string,
  ) {
    super(why);
  }
}

export class RegistryModelClient {
  private client: RegistryClient | undefined;

  constructor(private readonly options: RegistryModelClientOptions) {}

  /**
   * "name:version" → GetVersion; "name@alias" → ResolveAlias(name, alias); a bare name means its "latest" alias,
   * or — when the model has none — the name used as an alias (aliases are unique across models; this is how
   * the default model `retnet-default` is registered).
   */
  async resolveVersion(ref: ModelRef): Promise<ResolvedRegistryVersion> {
    const key = refKey(ref);
    try {
      if (ref.kind === 'version') {
        return { version: required(await this.call('getVersion', { modelName: ref.name, version: ref.version })) };
      }
      try {
        const version = required(await this.call('resolveAlias', { modelName: ref.name, alias: ref.alias }));
        return { version, followsAlias: { name: version.modelName, alias: ref.alias } };
      } catch (error) {
        const bareName = ref.alias === 'latest';
        if (!bareName || !(error instanceof RegistryCallFailure) || !error.notFound) throw error;
        const version = required(await this.call('resolveAlias', { modelName: '', alias: ref.name }));
        return { version, followsAlias: { name: version.modelName, alias: ref.name } };
      }
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /** The model a version belongs to (its tags say where the weights came from). */
  async model(name: string, ref: string): Promise<models.Model | undefined> {
    try {
      return (await this.call('getModel', { name, includeDeleted: false })).model ?? undefined;
    } catch (error) {
      throw this.translate(error, ref);
    }
  }

  /** Stages a version as an engine-layout folder (see the header) and returns the folder. */
  async stage(version: models.ModelVersion): Promise<string> {
    const weights = version.artifacts.find((a) => a.name === 'model.safetensors');
    const dir = join(
      this.options.stagingRoot,
      `${version.modelName}-${version.version}-${(weights?.sha256 ?? 'none').slice(0, 16)}`,
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const sums: string[] = [];
    for (const artifact of version.artifacts) {
      // The registry's own SHA256SUMS is replaced by one built from its recorded hashes; nested paths do not fit
      // the engine's flat layout.
      if (artifact.name === 'SHA256SUMS' || artifact.name.includes('/')) continue;
      if (!artifact.uri.startsWith('file://')) {
        throw this.options.errors.unavailable(
          `${version.modelName}:${version.version}`,
          `artifact ${artifact.name} is at ${artifact.uri}; only file:// artifacts can be loaded`,
        );
      }
      await symlink(fileURLToPath(artifact.uri), join(dir, artifact.name));
      sums.push(`${artifact.sha256}  ${artifact.name}\n`);
    }
    await writeFile(join(dir, 'SHA256SUMS'), sums.join(''));
    return dir;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private translate(error: unknown, ref: string): unknown {
    if (!(error instanceof RegistryCallFailure)) return error;
    return error.notFound
      ? this.options.errors.notFound(ref, error.why)
      : this.options.errors.unavailable(ref, `model registry at ${this.options.address}: ${error.why}`);
  }

  private call<K extends Method>(method: K, request: RequestOf<K>): Promise<ResponseOf<K>> {
    const client = this.connect();
    return new Promise((resolve, reject) => {
      (client[method] as Unary<RequestOf<K>, ResponseOf<K>>)(
        request,
        { deadline: Date.now() + CALL_TIMEOUT_MS },
        (error, response) => {
          if (!error) return resolve(response);
          reject(new RegistryCallFailure(error.code === status.NOT_FOUND, error.details || error.message));
        },
      );
    });
  }

  private connect(): RegistryClient {
    if (this.client) return this.client;
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('models')) as GrpcObject;
    const v1 = ((pkg.neuroforge as GrpcObject).models as GrpcObject).v1 as GrpcObject;
    const Client = v1.ModelRegistryService as ServiceClientConstructor;
    this.client = new Client(this.options.address, credentials.createInsecure()) as unknown as RegistryClient;
    return this.client;
  }
}

function required(response: { version?: models.ModelVersion | null }): models.ModelVersion {
  if (!response.version) throw new RegistryCallFailure(true, 'the registry returned no version');
  return response.version;
}
