// Models from the model registry over gRPC (ResolveAlias / GetVersion). The registry stores artifacts
// content-addressed (file:///…/sha256/ab/ab12…), so a version is staged as a folder in the engine's layout:
// symlinks named after the artifacts plus a SHA256SUMS written from the hashes the registry recorded; the engine
// then verifies the bytes on the same code path as a local folder.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  status,
} from '@grpc/grpc-js';
import { loadGrpcPackageDefinition, type models } from '@neuroforge/contracts';
import type { ModelSource, ResolvedModel } from '../../application/ports/embedding-models.port';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { type ModelRef, refKey } from '../../domain/model-ref';

const CALL_TIMEOUT_MS = 5000;

type Unary<Req, Res> = (
  request: Req,
  options: { deadline: number },
  callback: (error: (Error & { code?: number; details?: string }) | null, response: Res) => void,
) => void;

interface RegistryClient {
  resolveAlias: Unary<models.ResolveAliasRequest, models.ResolveAliasResponse>;
  getVersion: Unary<models.GetVersionRequest, models.GetVersionResponse>;
  close(): void;
}

export class RegistryModelSource implements ModelSource {
  private client: RegistryClient | undefined;

  constructor(
    private readonly address: string,
    private readonly stagingRoot = join(tmpdir(), 'neuroforge-embeddings-models'),
  ) {}

  async resolve(ref: ModelRef): Promise<ResolvedModel> {
    const { version, alias } = await this.version(ref);
    return {
      name: version.modelName,
      version: version.version,
      dir: await this.stage(version),
      ...(alias ? { followsAlias: alias } : {}),
    };
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  /**
   * "name:version" → GetVersion; "name@alias" → ResolveAlias(name, alias); a bare name means its "latest" alias,
   * or, when the model has none, the name used as an alias (aliases are unique across models; the default model
   * `retnet-default` is registered this way).
   */
  private async version(
    ref: ModelRef,
  ): Promise<{ version: models.ModelVersion; alias?: { name: string; alias: string } }> {
    const key = refKey(ref);
    if (ref.kind === 'version') {
      return {
        version: required(await this.call('getVersion', { modelName: ref.name, version: ref.version }, key), key),
      };
    }
    try {
      const version = required(await this.call('resolveAlias', { modelName: ref.name, alias: ref.alias }, key), key);
      return { version, alias: { name: version.modelName, alias: ref.alias } };
    } catch (error) {
      const bareName = ref.alias === 'latest';
      if (!bareName || !(error instanceof EmbeddingsError) || error.code !== 'EMBEDDINGS.MODEL_NOT_FOUND') throw error;
      const version = required(await this.call('resolveAlias', { modelName: '', alias: ref.name }, key), key);
      return { version, alias: { name: version.modelName, alias: ref.name } };
    }
  }

  private async stage(version: models.ModelVersion): Promise<string> {
    const weights = version.artifacts.find((a) => a.name === 'model.safetensors');
    const dir = join(
      this.stagingRoot,
      `${version.modelName}-${version.version}-${(weights?.sha256 ?? 'none').slice(0, 16)}`,
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const sums: string[] = [];
    for (const artifact of version.artifacts) {
      if (artifact.name === 'SHA256SUMS' || artifact.name.includes('/')) continue;
      if (!artifact.uri.startsWith('file://')) {
        throw new EmbeddingsError(
          'EMBEDDINGS.MODEL_UNAVAILABLE',
          `model ${version.modelName}:${version.version}: artifact ${artifact.name} is at ${artifact.uri}; only file:// artifacts can be loaded`,
        );
      }
      await symlink(fileURLToPath(artifact.uri), join(dir, artifact.name));
      sums.push(`${artifact.sha256}  ${artifact.name}\n`);
    }
    await writeFile(join(dir, 'SHA256SUMS'), sums.join(''));
    return dir;
  }

  private call<K extends 'resolveAlias' | 'getVersion'>(
    method: K,
    request: Parameters<RegistryClient[K]>[0],
    ref: string,
  ): Promise<Parameters<Parameters<RegistryClient[K]>[2]>[1]> {
    const client = this.connect();
    return new Promise((resolve, reject) => {
      (client[method] as Unary<typeof request, Parameters<Parameters<RegistryClient[K]>[2]>[1]>)(
        request,
        { deadline: Date.now() + CALL_TIMEOUT_MS },
        (error, response) => {
          if (!error) return resolve(response);
          const why = error.details || error.message;
          reject(
            error.code === status.NOT_FOUND
              ? new EmbeddingsError('EMBEDDINGS.MODEL_NOT_FOUND', `model ${ref}: ${why}`, 'model')
              : new EmbeddingsError(
                  'EMBEDDINGS.MODEL_UNAVAILABLE',
                  `model ${ref}: model registry at ${this.address}: ${why}`,
                ),
          );
        },
      );
    });
  }

  private connect(): RegistryClient {
    if (this.client) return this.client;
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('models')) as GrpcObject;
    const v1 = ((pkg.neuroforge as GrpcObject).models as GrpcObject).v1 as GrpcObject;
    const Client = v1.ModelRegistryService as ServiceClientConstructor;
    this.client = new Client(this.address, credentials.createInsecure()) as unknown as RegistryClient;
    return this.client;
  }
}

function required(response: { version?: models.ModelVersion | null }, ref: string): models.ModelVersion {
  if (!response.version) throw new EmbeddingsError('EMBEDDINGS.MODEL_NOT_FOUND', `model ${ref}: no version`, 'model');
  return response.version;
}
