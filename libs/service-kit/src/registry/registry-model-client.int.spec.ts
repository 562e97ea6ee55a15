// Against a real grpc-js server speaking the registry's proto (models.v1.ModelRegistryService) with canned versions,
// and real files on disk for staging.
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type GrpcObject,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServiceClientConstructor,
  status,
} from '@grpc/grpc-js';
import { loadGrpcPackageDefinition, models } from '@neuroforge/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryModelClient, type RegistryModelErrors } from './registry-model-client';

class TestError extends Error {
  constructor(
    readonly kind: 'notFound' | 'unavailable',
    readonly ref: string,
    readonly why: string,
  ) {
    super(`${kind} ${ref}: ${why}`);
  }
}

const errors: RegistryModelErrors = {
  notFound: (ref, why) => new TestError('notFound', ref, why),
  unavailable: (ref, why) => new TestError('unavailable', ref, why),
};

function version(modelName: string, n: number, aliases: string[], artifacts: models.Artifact[]): models.ModelVersion {
  return {
    modelName,
    version: n,
    architecture: models.Architecture.ARCHITECTURE_RETNET,
    artifacts,
    tokenizerId: 'byte',
    configJson: '{}',
    aliases,
  };
}

type Callback = (error: { code: number; details: string } | null, response?: unknown) => void;

describe('RegistryModelClient', () => {
  let server: Server;
  let address: string;
  let work: string;
  let client: RegistryModelClient;
  const versions = new Map<string, models.ModelVersion>();
  const aliases = new Map<string, models.ModelVersion>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nf-registry-client-'));
    const blob = join(work, 'blob-weights');
    await writeFile(blob, 'weights');
    const artifacts: models.Artifact[] = [
      {
        name: 'model.safetensors',
        sha256: 'ab'.repeat(32),
        sizeBytes: '7',
        kind: models.ArtifactKind.ARTIFACT_KIND_UNSPECIFIED,
        uri: pathToFileURL(blob).href,
      },
      {
        name: 'SHA256SUMS',
        sha256: 'cd'.repeat(32),
        sizeBytes: '1',
        kind: models.ArtifactKind.ARTIFACT_KIND_UNSPECIFIED,
        uri: pathToFileURL(blob).href,
      },
      {
        name: 'nested/file.json',
        sha256: 'ef'.repeat(32),
        sizeBytes: '1',
        kind: models.ArtifactKind.ARTIFACT_KIND_UNSPECIFIED,
        uri: pathToFileURL(blob).href,
      },
    ];
    const tiny1 = version('tiny', 1, ['latest'], artifacts);
    const tiny2 = version('tiny', 2, ['prod'], artifacts);
    const byAlias = version('default-model', 3, ['retnet-default'], artifacts);
    const remote = version('remote', 1, [], [{ ...artifacts[0], uri: 's3://bucket/weights' } as models.Artifact]);
    for (const v of [tiny1, tiny2, remote]) versions.set(`${v.modelName}:${v.version}`, v);
    aliases.set('tiny@latest', tiny1);
    aliases.set('tiny@prod', tiny2);
    aliases.set('@retnet-default', byAlias);

    const pkg = loadPackageDefinition(loadGrpcPackageDefinition('models')) as GrpcObject;
    const service = (((pkg.neuroforge as GrpcObject).models as GrpcObject).v1 as GrpcObject)
      .ModelRegistryService as ServiceClientConstructor;
    server = new Server();
    server.addService(service.service, {
      getVersion: (call: { request: models.GetVersionRequest }, done: Callback) => {
        const found = versions.get(`${call.request.modelName}:${call.request.version}`);
        done(found ? null : { code: status.NOT_FOUND, details: 'no such version' }, { version: found });
      },
      resolveAlias: (call: { request: models.ResolveAliasRequest }, done: Callback) => {
        const found = aliases.get(`${call.request.modelName}@${call.request.alias}`);
        done(found ? null : { code: status.NOT_FOUND, details: 'no such alias' }, { version: found });
      },
      getModel: (call: { request: models.GetModelRequest }, done: Callback) =>
        done(null, { model: { name: call.request.name, tags: ['trained'], aliases: [] } }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
    client = new RegistryModelClient({ address, stagingRoot: join(work, 'staged'), errors });
  });

  afterAll(async () => {
    client.close();
    server.forceShutdown();
    await rm(work, { recursive: true, force: true });
  });

  it('resolves "name:version" through GetVersion, following no alias', async () => {
    const resolved = await client.resolveVersion({ kind: 'version', name: 'tiny', version: 2 });
    expect(resolved.version.version).toBe(2);
    expect(resolved.followsAlias).toBeUndefined();
  });

  it('resolves "name@alias" through ResolveAlias and reports the alias followed', async () => {
    const resolved = await client.resolveVersion({ kind: 'alias', name: 'tiny', alias: 'prod' });
    expect(resolved.version.version).toBe(2);
    expect(resolved.followsAlias).toEqual({ name: 'tiny', alias: 'prod' });
  });

  it('falls back from a bare name without "latest" to the name used as an alias', async () => {
    const resolved = await client.resolveVersion({ kind: 'alias', name: 'retnet-default', alias: 'latest' });
    expect(resolved.version.modelName).toBe('default-model');
    expect(resolved.followsAlias).toEqual({ name: 'default-model', alias: 'retnet-default' });
  });

  it("raises the caller's not-found error for an unknown version or explicit alias, naming the reference", async () => {
    await expect(client.resolveVersion({ kind: 'version', name: 'tiny', version: 9 })).rejects.toMatchObject({
      kind: 'notFound',
      ref: 'tiny:9',
      why: 'no such version',
    });
    await expect(client.resolveVersion({ kind: 'alias', name: 'tiny', alias: 'canary' })).rejects.toMatchObject({
      kind: 'notFound',
      ref: 'tiny@canary',
    });
  });

  it('returns the model with its tags', async () => {
    expect((await client.model('tiny', 'tiny'))?.tags).toEqual(['trained']);
  });

  it('stages symlinks and a SHA256SUMS from the recorded hashes, skipping the registry SUMS and nested paths', async () => {
    const { version: v } = await client.resolveVersion({ kind: 'version', name: 'tiny', version: 1 });
    const dir = await client.stage(v);
    expect(dir).toBe(join(work, 'staged', `tiny-1-${'ab'.repeat(8)}`));
    expect(await readlink(join(dir, 'model.safetensors'))).toBe(join(work, 'blob-weights'));
    expect(await readFile(join(dir, 'model.safetensors'), 'utf8')).toBe('weights');
    expect(await readFile(join(dir, 'SHA256SUMS'), 'utf8')).toBe(`${'ab'.repeat(32)}  model.safetensors\n`);
  });

  it("raises the caller's unavailable error for an artifact that is not a file:// URI", async () => {
    const { version: v } = await client.resolveVersion({ kind: 'version', name: 'remote', version: 1 });
    await expect(client.stage(v)).rejects.toMatchObject({ kind: 'unavailable', ref: 'remote:1' });
  });

  it("raises the caller's unavailable error naming the registry when it does not answer", async () => {
    const closed = new RegistryModelClient({ address: '127.0.0.1:1', stagingRoot: join(work, 'x'), errors });
    try {
      const failure = await closed.resolveVersion({ kind: 'alias', name: 'tiny', alias: 'latest' }).catch((e) => e);
      expect(failure).toBeInstanceOf(TestError);
      expect(failure).toMatchObject({ kind: 'unavailable', ref: 'tiny@latest' });
      expect((failure as TestError).why).toContain('model registry at 127.0.0.1:1');
    } finally {
      closed.close();
    }
  });
});
