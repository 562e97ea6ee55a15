// The inference service against the real model registry (in-process, on its own database, topic and artifact
// folder): the default model resolves through ResolveAlias and is staged from the content-addressed artifact
// store, and moving the alias with SetAlias reaches the server through the registry's outbox and Kafka.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../../model-registry/test/registry.fixture';
import { parseModelRef } from '../src/domain/model-ref';
import { greedy, type InferenceHarness, startInference, unique } from './inference-fixture';

let registry: RunningRegistry;
let h: InferenceHarness;
const name = unique('tiny-reg');

const KINDS: Record<string, string> = {
  'config.json': 'ARTIFACT_KIND_CONFIG',
  'model.safetensors': 'ARTIFACT_KIND_SAFETENSORS',
  SHA256SUMS: 'ARTIFACT_KIND_OTHER',
};

/** RegisterVersion for a model folder, importing its files by file:// URI. */
async function register(dir: string, aliases: string[]): Promise<number> {
  const artifacts = [];
  for (const file of Object.keys(KINDS)) {
    const bytes = await readFile(join(dir, file));
    artifacts.push({
      name: file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: String(bytes.length),
      kind: KINDS[file],
      uri: pathToFileURL(join(dir, file)).href,
    });
  }
  const response = await registry.client.call('registerVersion', {
    modelName: name,
    artifacts,
    tokenizerId: 'byte',
    configJson: await readFile(join(dir, 'config.json'), 'utf8'),
    lineage: { source: 'LINEAGE_SOURCE_UPLOAD' },
    aliases,
  });
  return response.version.version;
}

function registryAddress(): string {
  // The fixture's client knows the registry's address; grpc-js names it `dns:<host>:<port>`.
  const target = (registry.client as unknown as { client: { getChannel(): { getTarget(): string } } }).client
    .getChannel()
    .getTarget();
  return target.replace(/^dns:/, '');
}

beforeAll(async () => {
  registry = await startRegistry({ seedOnStart: true });
  await registry.client.call('createModel', { name, architecture: 'ARCHITECTURE_RETNET', tags: ['test'] });
  // The inference harness writes the two tiny versions; the registry gets copies of them.
  h = await startInference(
    {
      NF_INFERENCE_MODEL_DIRS: '',
      NF_INFERENCE_MODELS_TOPIC: registry.topic,
      NEUROFORGE_INFERENCE__DEFAULT_MODEL: `${name}@prod`,
      NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: registryAddress().split(':')[1] as string,
    },
    // The default model is registered by the test itself, after start.
    { waitForDefaultModel: false },
  ).catch(async (error) => {
    await registry.stop();
    throw error;
  });
}, 90_000);

afterAll(async () => {
  await h?.close();
  await registry?.stop();
});

describe('inference with the model registry', () => {
  it('serves the version an alias resolves to, staged from the artifact store, and follows SetAlias', async () => {
    const v1 = await register(h.modelDirs[0] as string, ['prod']);
    expect(v1).toBe(1);
    // The default model appears in the registry after start: the start-up loader retries until it resolves.
    const ref = parseModelRef('', `${name}@prod`);
    const deadline = Date.now() + 20_000;
    while (!h.serving.routed(ref) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const first = await h.client.generate({ prompt: 'from the registry', parameters: greedy(6) });
    expect(first.model).toMatchObject({ name, version: 1, alias: 'prod' });
    expect((await h.client.info()).models[0]).toMatchObject({ name, version: 1, weightsSource: 'uploaded' });

    const v2 = await register(h.modelDirs[1] as string, []);
    await registry.client.call('setAlias', { modelName: name, alias: 'prod', version: v2 });
    while (h.serving.routed(ref)?.resolved.version !== 2 && Date.now() < deadline + 20_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await h.client.generate({ prompt: 'from the registry', parameters: greedy(6) });
    expect(second.model).toMatchObject({ name, version: 2, alias: 'prod' });
    expect(second.tokenIds).not.toEqual(first.tokenIds);
  });

  it("serves the registry's start-up default model (an alias on its own) and reports where its weights came from", async () => {
    let response: Awaited<ReturnType<typeof h.client.generate>> | undefined;
    const deadline = Date.now() + 30_000;
    while (!response) {
      try {
        response = await h.client.generate({ model: 'retnet-default', prompt: 'seeded', parameters: greedy(4) });
      } catch (error) {
        // The registry seeds it in the background after start.
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(response.tokenIds).toHaveLength(4);
    // The registry records the start-up model's lineage: the repository ships a trained one (pre-trained lineage).
    const { version } = await registry.client.call('resolveAlias', { modelName: '', alias: 'retnet-default' });
    expect(version.lineage.source).toBe('LINEAGE_SOURCE_PRETRAINED');
    const expected = 'trained';
    const served = (await h.client.info()).models.find((m) => m.name === 'retnet-default');
    expect(served).toMatchObject({
      version: 1,
      weightsSource: expected,
      tokenizerId: 'byte',
      aliases: ['retnet-default'],
    });
  });
});
