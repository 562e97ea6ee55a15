// The model registry over gRPC against the real stack (FerretDB, Kafka): the Nest app runs in-process with its
// own database, topic and artifact folder.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { status } from '@grpc/grpc-js';
import { fromKafkaMessage, rebuildProjection } from '@neuroforge/events';
import { loadModel } from '@neuroforge/ml';
import {
  decodeErrorDetail,
  ERROR_DETAIL_KEY,
  errorCodeOf as errorCode,
  MONGO_CONNECTION,
} from '@neuroforge/service-kit';
import { eventually } from '@neuroforge/service-kit/testing';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsureDefaultModelHandler } from '../src/application/ensure-default-model/ensure-default-model.handler';
import { modelsProjection } from '../src/infrastructure/read-model/models.projection';
import { MODELS_PROJECTION } from '../src/model-registry.module';
import { type RunningRegistry, startRegistry, uniqueName } from './registry.fixture';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const upload = { source: 'LINEAGE_SOURCE_UPLOAD', trainingJobId: '', datasetSha256: '', baseModel: '' };

let registry: RunningRegistry;
let sourceDir: string;

beforeAll(async () => {
  registry = await startRegistry();
  sourceDir = await mkdtemp(join(tmpdir(), 'nf-registry-sources-'));
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (sourceDir) await rm(sourceDir, { recursive: true, force: true });
}, 30_000);

/** Writes a file to upload and describes it as a RegisterVersion artifact. */
async function sourceFile(name: string, bytes: Buffer, kind: string) {
  const path = join(await mkdtemp(join(sourceDir, 'v-')), name);
  await writeFile(path, bytes);
  return { name, sha256: sha256(bytes), sizeBytes: String(bytes.length), kind, uri: pathToFileURL(path).href };
}

async function versionArtifacts() {
  return [
    await sourceFile('config.json', Buffer.from('{"embed_dim":8}\n'), 'ARTIFACT_KIND_CONFIG'),
    await sourceFile('model.safetensors', randomBytes(4096), 'ARTIFACT_KIND_SAFETENSORS'),
  ];
}

async function createModel(name: string, extra: object = {}) {
  return registry.client.call('createModel', { name, architecture: 'ARCHITECTURE_RETNET', ...extra });
}

describe('model registry over gRPC', () => {
  it('creates, registers a version, sets an alias and resolves it to the stored artifacts', async () => {
    const name = uniqueName('tiny').replace('_', '-');
    const created = await createModel(name, { description: 'tiny', tags: ['chat'] });
    expect(created.model).toMatchObject({
      name,
      architecture: 'ARCHITECTURE_RETNET',
      latestVersion: 0,
      deleted: false,
    });
    // Reads after writes: GetModel reads the stream, not the projection.
    expect((await registry.client.call('getModel', { name })).model.modelId).toBe(created.model.modelId);

    const artifacts = await versionArtifacts();
    const registered = await registry.client.call('registerVersion', {
      modelName: name,
      artifacts,
      tokenizerId: 'byte',
      configJson: '{"embed_dim":8}',
      lineage: { ...upload, finalLoss: 2.5 },
    });
    expect(registered.version).toMatchObject({ modelName: name, version: 1, tokenizerId: 'byte' });
    expect(registered.version.lineage.finalLoss).toBe(2.5);
    for (const [i, stored] of registered.version.artifacts.entries()) {
      const hex = artifacts[i]?.sha256 ?? '';
      expect(stored).toMatchObject({ name: artifacts[i]?.name, sha256: hex, sizeBytes: artifacts[i]?.sizeBytes });
      // Content-addressed: <root>/sha256/<2 hex>/<hex>.
      expect(fileURLToPath(stored.uri)).toBe(join(registry.artifactDir, 'sha256', hex.slice(0, 2), hex));
    }

    const second = await registry.client.call('registerVersion', {
      modelName: name,
      artifacts: await versionArtifacts(),
      tokenizerId: 'byte',
      configJson: '{}',
      lineage: upload,
    });
    expect(second.version.version).toBe(2);

    const alias = uniqueName('prod').replace('_', '-');
    const set = await registry.client.call('setAlias', { modelName: name, alias, version: 1 });
    expect(set).toMatchObject({ modelName: name, alias, version: 1 });
    expect('previousVersion' in set).toBe(false);
    const moved = await registry.client.call('setAlias', { modelName: name, alias, version: 2 });
    expect(moved).toMatchObject({ version: 2, previousVersion: 1 });

    const byModel = await registry.client.call('resolveAlias', { modelName: name, alias });
    expect(byModel.version).toMatchObject({ modelName: name, version: 2, aliases: [alias] });
    // Aliases are unique across models, so the alias alone names one model and version.
    const byAlias = await registry.client.call('resolveAlias', { modelName: '', alias });
    expect(byAlias.version.version).toBe(2);
    expect(byAlias.version.artifacts.map((a: { uri: string }) => a.uri)).toEqual(
      second.version.artifacts.map((a: { uri: string }) => a.uri),
    );

    const model = (await registry.client.call('getModel', { name })).model;
    expect(model).toMatchObject({ latestVersion: 2, aliases: [{ alias, version: 2 }] });
  });

  it('refuses a duplicate name with ALREADY_EXISTS and the stable code in the trailers', async () => {
    const name = uniqueName('dup').replace('_', '-');
    await createModel(name);
    const error = await registry.client.failure('createModel', { name, architecture: 'ARCHITECTURE_MOE_RETNET' });
    expect(error.code).toBe(status.ALREADY_EXISTS);
    expect(errorCode(error)).toBe('MODELS.ALREADY_EXISTS');
    const detail = decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer);
    expect(detail).toMatchObject({ code: 'MODELS.ALREADY_EXISTS', metadata: { model: name } });
  });

  it('lets exactly one of several concurrent creates of one name win', async () => {
    const name = uniqueName('race').replace('_', '-');
    const results = await Promise.allSettled([createModel(name), createModel(name), createModel(name)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.code).toBe(status.ALREADY_EXISTS);
  });

  it('names every invalid field with INVALID_ARGUMENT', async () => {
    const error = await registry.client.failure('registerVersion', {
      modelName: 'Bad Name',
      artifacts: [{ name: '../x', sha256: 'nope', sizeBytes: '1', kind: 'ARTIFACT_KIND_UNSPECIFIED', uri: 'http://x' }],
      tokenizerId: '',
      configJson: '[1]',
    });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(errorCode(error)).toBe('MODELS.INVALID_ARGUMENT');
    const fields = decodeErrorDetail(error.metadata.get(ERROR_DETAIL_KEY)[0] as Buffer).fieldViolations.map(
      (f) => f.field,
    );
    expect(fields).toEqual([
      'model_name',
      'artifacts[0].name',
      'artifacts[0].sha256',
      'artifacts[0].kind',
      'artifacts[0].uri',
      'tokenizer_id',
      'config_json',
      'lineage',
    ]);
  });

  it('answers NOT_FOUND for unknown models, versions and aliases', async () => {
    const name = uniqueName('ghost').replace('_', '-');
    const missing = await registry.client.failure('getModel', { name });
    expect([missing.code, errorCode(missing)]).toEqual([status.NOT_FOUND, 'MODELS.NOT_FOUND']);
    await createModel(name);
    const version = await registry.client.failure('getVersion', { modelName: name, version: 1 });
    expect([version.code, errorCode(version)]).toEqual([status.NOT_FOUND, 'MODELS.VERSION_NOT_FOUND']);
    const alias = await registry.client.failure('resolveAlias', { modelName: '', alias: 'no-such-alias-anywhere' });
    expect([alias.code, errorCode(alias)]).toEqual([status.NOT_FOUND, 'MODELS.ALIAS_NOT_FOUND']);
  });

  it('refuses a version whose file does not match its recorded hash, naming file, expected and actual hash', async () => {
    const name = uniqueName('hash').replace('_', '-');
    await createModel(name);
    const [config, weights] = await versionArtifacts();
    const wrong = 'f'.repeat(64);
    const error = await registry.client.failure('registerVersion', {
      modelName: name,
      artifacts: [config, { ...weights, sha256: wrong }],
      tokenizerId: 'byte',
      lineage: upload,
    });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(errorCode(error)).toBe('MODELS.ARTIFACT_HASH_MISMATCH');
    expect(error.details).toContain('model.safetensors');
    expect(error.details).toContain(wrong);
    expect(error.details).toContain(weights?.sha256);
    expect((await registry.client.call('getModel', { name })).model.latestVersion).toBe(0);
  });

  it('never serves an artifact changed after registration', async () => {
    const name = uniqueName('tamper').replace('_', '-');
    const alias = uniqueName('served').replace('_', '-');
    await createModel(name);
    const registered = await registry.client.call('registerVersion', {
      modelName: name,
      artifacts: await versionArtifacts(),
      tokenizerId: 'byte',
      lineage: upload,
      aliases: [alias],
    });
    expect((await registry.client.call('resolveAlias', { modelName: name, alias })).version.version).toBe(1);

    const weights = registered.version.artifacts[1];
    const path = fileURLToPath(weights.uri);
    await chmod(path, 0o644);
    await writeFile(path, randomBytes(Number(weights.sizeBytes))); // same size, different bytes

    const resolved = await registry.client.failure('resolveAlias', { modelName: name, alias });
    expect([resolved.code, errorCode(resolved)]).toEqual([status.FAILED_PRECONDITION, 'MODELS.ARTIFACT_CORRUPTED']);
    expect(resolved.details).toContain('model.safetensors');
    const got = await registry.client.failure(
      'getVersion',
      { modelName: name, version: 1 },
      { 'neuroforge-verify-artifacts': 'full' },
    );
    expect(errorCode(got)).toBe('MODELS.ARTIFACT_CORRUPTED');
  });

  it('keeps an alias on one model at a time', async () => {
    const [a, b] = [uniqueName('holder').replace('_', '-'), uniqueName('other').replace('_', '-')];
    const alias = uniqueName('shared').replace('_', '-');
    for (const name of [a, b]) {
      await createModel(name);
      await registry.client.call('registerVersion', {
        modelName: name,
        artifacts: await versionArtifacts(),
        tokenizerId: 'byte',
        lineage: upload,
      });
    }
    await registry.client.call('setAlias', { modelName: a, alias, version: 1 });
    const error = await registry.client.failure('setAlias', { modelName: b, alias, version: 1 });
    expect([error.code, errorCode(error)]).toEqual([status.ALREADY_EXISTS, 'MODELS.ALIAS_TAKEN']);
    expect((await registry.client.call('resolveAlias', { modelName: '', alias })).version.modelName).toBe(a);
    // A refused SetAlias for a missing version gives the fresh reservation back.
    const fresh = uniqueName('fresh').replace('_', '-');
    await registry.client.failure('setAlias', { modelName: b, alias: fresh, version: 9 });
    await registry.client.call('setAlias', { modelName: a, alias: fresh, version: 1 });
  });

  it('soft-deletes: the model refuses changes, hides from Get and List unless include_deleted', async () => {
    const name = uniqueName('gone').replace('_', '-');
    await createModel(name, { tags: ['to-delete'] });
    const deleted = await registry.client.call('deleteModel', { name });
    expect(deleted.model.deleted).toBe(true);
    const get = await registry.client.failure('getModel', { name });
    expect([get.code, errorCode(get)]).toEqual([status.FAILED_PRECONDITION, 'MODELS.DELETED']);
    expect((await registry.client.call('getModel', { name, includeDeleted: true })).model.deleted).toBe(true);
    const again = await registry.client.failure('deleteModel', { name });
    expect(errorCode(again)).toBe('MODELS.DELETED');
    const list = (includeDeleted: boolean) =>
      registry.client
        .call('listModels', { tag: 'to-delete', includeDeleted })
        .then((r) => r.models as { name: string; deleted: boolean }[]);
    // The projection has applied the deletion once the listing with deleted models shows it deleted.
    await eventually(
      () => list(true),
      (models) => models.some((m) => m.name === name && m.deleted),
    );
    expect((await list(false)).map((m) => m.name)).not.toContain(name);
  });

  it('updates description and tags, leaving unset fields alone', async () => {
    const name = uniqueName('upd').replace('_', '-');
    await createModel(name, { description: 'before', tags: ['a'] });
    const tagsOnly = await registry.client.call('updateModel', { name, tags: { tags: ['b', 'c'] } });
    expect(tagsOnly.model).toMatchObject({ description: 'before', tags: ['b', 'c'] });
    const descriptionOnly = await registry.client.call('updateModel', { name, description: 'after' });
    expect(descriptionOnly.model).toMatchObject({ description: 'after', tags: ['b', 'c'] });
  });

  it('lists from the projection with paging and filters', async () => {
    const tag = uniqueName('page').replace('_', '-');
    const names = ['a', 'b', 'c', 'd', 'e'].map((x) => `${tag}-${x}`);
    for (const [i, name] of names.entries()) {
      await createModel(name, {
        tags: [tag],
        architecture: i % 2 === 0 ? 'ARCHITECTURE_RETNET' : 'ARCHITECTURE_MULTIMODAL',
      });
    }
    await eventually(
      () => registry.client.call('listModels', { tag, pageSize: 50 }),
      (r) => r.models.length === names.length,
    );
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await registry.client.call('listModels', { tag, pageSize: 2, pageToken });
      expect(page.models.length).toBeLessThanOrEqual(2);
      seen.push(...page.models.map((m: { name: string }) => m.name));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== '');
    expect(seen).toEqual(names);
    expect(pages).toBe(3);
    const multimodal = await registry.client.call('listModels', { tag, architecture: 'ARCHITECTURE_MULTIMODAL' });
    expect(multimodal.models.map((m: { name: string }) => m.name)).toEqual([names[1], names[3]]);
    const bad = await registry.client.failure('listModels', { pageToken: 'garbage' });
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toContain('page_token');
  });

  it('publishes every event on Kafka in order, as CloudEvents with proto-shaped payloads', async () => {
    const name = uniqueName('pub').replace('_', '-');
    const alias = uniqueName('live').replace('_', '-');
    await createModel(name);
    await registry.client.call('updateModel', { name, description: 'now described' });
    await registry.client.call('registerVersion', {
      modelName: name,
      artifacts: await versionArtifacts(),
      tokenizerId: 'byte',
      lineage: upload,
      aliases: [alias],
    });
    await registry.client.call('deleteModel', { name });

    const seen = await collect(registry, `model-${name}`, 5);
    expect(seen.map((e) => e.type)).toEqual([
      'neuroforge.models.model_created.v1',
      'neuroforge.models.model_updated.v1',
      'neuroforge.models.version_registered.v1',
      'neuroforge.models.alias_moved.v1',
      'neuroforge.models.model_deleted.v1',
    ]);
    expect(seen.map((e) => e.streamversion)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.every((e) => e.source === 'neuroforge/model-registry')).toBe(true);
    expect(seen[3]?.data).toEqual({ modelName: name, alias, version: 1 });
    expect(seen[2]?.data).toMatchObject({ modelName: name, version: 1, tokenizerId: 'byte' });
  });

  it('rebuilds the read model from the topic to the same documents', async () => {
    const name = uniqueName('replay').replace('_', '-');
    await createModel(name, { tags: ['replay'] });
    await registry.client.call('updateModel', { name, description: 'replayed' });
    const live = registry.app.get<ReturnType<typeof modelsProjection>>(MODELS_PROJECTION);
    await eventually(
      () => live.get(`model-${name}`),
      (doc) => doc?.description === 'replayed',
    );

    const connection = registry.app.get<Connection>(MONGO_CONNECTION);
    const copy = modelsProjection(connection.db as never, uniqueName('models_rebuilt'));
    await rebuildProjection(copy, { kafka: registry.kafka, topics: [registry.topic], timeoutMs: 20_000 });
    const rebuilt = await copy.get(`model-${name}`);
    expect(rebuilt).toEqual(await live.get(`model-${name}`));
    await copy.collection.drop();
  });

  it('ensures the default model idempotently, also under concurrent starts', async () => {
    const ensure = registry.app.get(EnsureDefaultModelHandler);
    const outcomes = await Promise.all([ensure.execute(), ensure.execute()]);
    expect(outcomes.map((o) => o.action)).toContain('seeded');
    const again = await ensure.execute();
    expect(again).toEqual({ action: 'present', modelName: 'retnet-default', version: 1 });

    const model = (await registry.client.call('getModel', { name: 'retnet-default' })).model;
    expect(model).toMatchObject({
      architecture: 'ARCHITECTURE_RETNET',
      latestVersion: 1,
      // The repository ships a trained default model (services/training/assets/default-model), preferred over seeding.
      tags: ['trained'],
      aliases: [{ alias: 'retnet-default', version: 1 }],
    });
    const resolved = (await registry.client.call('resolveAlias', { modelName: '', alias: 'retnet-default' })).version;
    // Recorded per version, so a later upload or training run on this model reports its own weights' origin.
    expect(resolved.lineage.source).toBe('LINEAGE_SOURCE_PRETRAINED');
    expect(resolved.tokenizerId).toBe('byte');

    // A wiped artifact folder is repaired: the same files are written again under the same hashes.
    for (const a of resolved.artifacts) await rm(fileURLToPath(a.uri));
    expect(await ensure.execute()).toEqual({ action: 'repaired', modelName: 'retnet-default', version: 1 });

    // The artifacts form an engine model folder: link them by name and load them with the engine.
    const folder = await mkdtemp(join(tmpdir(), 'nf-default-folder-'));
    try {
      for (const a of resolved.artifacts) await symlink(fileURLToPath(a.uri), join(folder, a.name));
      const loaded = await loadModel(folder);
      expect(loaded.config).toMatchObject({ embed_dim: 128, num_heads: 4, num_layers: 3, vocab_size: 259 });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }

    // Lost files that the current default cannot reproduce (another build, e.g. an older shipped model) are
    // replaced by a new version, and the alias follows it.
    const other = await registry.client.call('registerVersion', {
      modelName: 'retnet-default',
      artifacts: await versionArtifacts(),
      tokenizerId: 'byte',
      configJson: '{}',
      lineage: upload,
    });
    await registry.client.call('setAlias', {
      modelName: 'retnet-default',
      alias: 'retnet-default',
      version: other.version.version,
    });
    for (const a of other.version.artifacts) await rm(fileURLToPath(a.uri));
    const replaced = await ensure.execute();
    expect(replaced).toEqual({ action: 'repaired', modelName: 'retnet-default', version: other.version.version + 1 });
    const now = (await registry.client.call('resolveAlias', { modelName: '', alias: 'retnet-default' })).version;
    expect(now.version).toBe(other.version.version + 1);
    expect(now.artifacts.map((a: { sha256: string }) => a.sha256).sort()).toEqual(
      resolved.artifacts.map((a: { sha256: string }) => a.sha256).sort(),
    );
  });
});

async function collect(running: RunningRegistry, subject: string, count: number) {
  const consumer = running.kafka.consumer({ groupId: uniqueName('nf-test-collect'), maxWaitTimeInMs: 200 });
  const seen: ReturnType<typeof fromKafkaMessage<Record<string, unknown>>>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [running.topic], fromBeginning: true });
    let done: () => void = () => {};
    const enough = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const envelope = fromKafkaMessage<Record<string, unknown>>(message);
        if (envelope.subject === subject) seen.push(envelope);
        if (seen.length >= count) done();
      },
    });
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`saw ${seen.length}/${count}`)), 20_000),
    );
    await Promise.race([enough, timeout]);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
