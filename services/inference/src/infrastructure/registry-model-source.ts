// Models from the model registry over gRPC (ResolveAlias / GetVersion / GetModel). The registry stores artifacts
// content-addressed (file:///…/sha256/ab/ab12…), so a version is staged as a folder in the engine's layout:
// symlinks named after the artifacts plus a SHA256SUMS written from the hashes the registry recorded — the
// engine then verifies the bytes against what the registry vouches for, on the same code path as a local folder.
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
import type { ModelSource, ResolvedModel } from '../application/ports/model-source.port';
import { InferenceError } from '../domain/inference-error';
import { type ModelRef, refKey } from '../domain/model-ref';

const SEEDED_RANDOM_TAG = 'seeded-random';
const TRAINED_TAG = 'trained';
const CALL_TIMEOUT_MS = 5000;

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

export class RegistryModelSource implements ModelSource {
  private client: RegistryClient | undefined;

  constructor(
    private readonly address: string,
    private readonly stagingRoot = join(tmpdir(), 'neuroforge-inference-models'),
  ) {}

  async resolve(ref: ModelRef): Promise<ResolvedModel> {
    const version = await this.version(ref);
    const model = await this.call('getModel', { name: version.modelName, includeDeleted: false }, refKey(ref));
    const dir = await this.stage(version);
    return {
      name: version.modelName,
      version: version.version,
      dir,
      tokenizerId: version.tokenizerId,
      architecture: version.architecture,
      weightsSource: weightsSource(version, model.model?.tags ?? []),
      ...(ref.kind === 'alias'
        ? { followsAlias: { name: version.modelName, alias: aliasFollowed(ref, version) } }
        : {}),
    };
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  /**
   * "name:version" → GetVersion; "name@alias" → ResolveAlias(name, alias); a bare name means its "latest" alias,
   * or — when the model has none — the name used as an alias (aliases are unique across models; this is how
   * the default model `retnet-default` is registered).
   */
  private async version(ref: ModelRef): Promise<models.ModelVersion> {
    const key = refKey(ref);
    if (ref.kind === 'version') {
      return required(await this.call('getVersion', { modelName: ref.name, version: ref.version }, key), key);
    }
    try {
      return required(await this.call('resolveAlias', { modelName: ref.name, alias: ref.alias }, key), key);
    } catch (error) {
      const bareName = ref.alias === 'latest';
      if (!bareName || !(error instanceof InferenceError) || error.code !== 'INFERENCE.MODEL_NOT_FOUND') throw error;
      return required(await this.call('resolveAlias', { modelName: '', alias: ref.name }, key), key);
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
        throw InferenceError.modelUnavailable(
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

  private call<K extends 'resolveAlias' | 'getVersion' | 'getModel'>(
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
              ? InferenceError.modelNotFound(ref, why)
              : InferenceError.modelUnavailable(ref, `model registry at ${this.address}: ${why}`),
          );
        },
      );
    });
  }

  private connect(): RegistryClient {
    if (this.client) return this.client;
    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('models')) as GrpcObject;
    const Service = ((pkg.neuroforge as GrpcObject).models as GrpcObject).v1 as GrpcObject;
    const Client = Service.ModelRegistryService as ServiceClientConstructor;
    this.client = new Client(this.address, credentials.createInsecure()) as unknown as RegistryClient;
    return this.client;
  }
}

function required(response: { version?: models.ModelVersion | null }, ref: string): models.ModelVersion {
  if (!response.version) throw InferenceError.modelNotFound(ref, 'the registry returned no version');
  return response.version;
}

function aliasFollowed(ref: Extract<ModelRef, { kind: 'alias' }>, version: models.ModelVersion): string {
  return version.aliases.includes(ref.alias) || ref.alias !== 'latest' ? ref.alias : ref.name;
}

/** From the model's tags (the registry tags its start-up model `seeded-random` or `trained`) and the lineage. */
function weightsSource(version: models.ModelVersion, tags: readonly string[]): string {
  if (tags.includes(SEEDED_RANDOM_TAG)) return 'seeded random';
  if (tags.includes(TRAINED_TAG) || version.lineage?.source === 'LINEAGE_SOURCE_TRAINING_JOB') return 'trained';
  return 'uploaded';
}
