// Job folders under `<artifact_dir>/training/jobs/<job_id>/`: job.json (the worker's spec), out/ (the worker's
// output and checkpoints, kept across attempts), base/ (a staged base model for fine-tuning: symlinks to the
// registry's stored files).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JobWorkspace, ModelFolder, PreparedJob } from '../application/ports/job-workspace.port';
import type { RegistryVersion } from '../application/ports/model-registry.port';
import type { ArtifactRecord } from '../domain/job.types';

/** The files of an exported model folder that make up a registered version, and what each holds. */
const MODEL_FILES: Readonly<Record<string, string>> = {
  'config.json': 'ARTIFACT_KIND_CONFIG',
  'model.safetensors': 'ARTIFACT_KIND_SAFETENSORS',
  SHA256SUMS: 'ARTIFACT_KIND_OTHER',
  'training.json': 'ARTIFACT_KIND_OTHER',
};

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export class FilesystemJobWorkspace implements JobWorkspace {
  constructor(readonly root: string) {}

  private dir(jobId: string): string {
    return join(this.root, 'training', 'jobs', jobId);
  }

  async latestCheckpointStep(jobId: string): Promise<number> {
    const folder = join(this.dir(jobId), 'out', 'checkpoints');
    const names = await readdir(folder).catch(() => [] as string[]);
    let best = 0;
    for (const name of names) {
      const match = /^step-(\d+)$/.exec(name);
      if (!match) continue;
      // Only complete checkpoints count: the worker writes checkpoint.json last.
      const done = await stat(join(folder, name, 'checkpoint.json')).catch(() => undefined);
      if (done) best = Math.max(best, Number(match[1]));
    }
    return best;
  }

  async stageModel(jobId: string, version: RegistryVersion): Promise<string> {
    const dir = join(this.dir(jobId), 'base');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const artifact of version.artifacts) {
      if (artifact.name.includes('/') || !artifact.uri.startsWith('file://')) continue;
      await symlink(fileURLToPath(artifact.uri), join(dir, artifact.name));
    }
    return dir;
  }

  async prepare(jobId: string, spec: Readonly<Record<string, unknown>>): Promise<PreparedJob> {
    const dir = this.dir(jobId);
    const outDir = join(dir, 'out');
    await mkdir(outDir, { recursive: true });
    const specPath = join(dir, 'job.json');
    await writeFile(specPath, `${JSON.stringify(spec, null, 2)}\n`);
    return { specPath, outDir };
  }

  async exportedModel(outDir: string): Promise<ModelFolder> {
    const artifacts: ArtifactRecord[] = [];
    for (const [name, kind] of Object.entries(MODEL_FILES)) {
      const path = join(outDir, name);
      const present = await stat(path).catch(() => undefined);
      if (!present?.isFile()) continue;
      const { sha256, size } = await hashFile(path);
      artifacts.push({ name, sha256, sizeBytes: String(size), kind, uri: pathToFileURL(path).href });
    }
    const configJson = await readFile(join(outDir, 'config.json'), 'utf8');
    const tokenizer = (JSON.parse(configJson) as { tokenizer?: unknown }).tokenizer;
    return { artifacts, configJson, tokenizerId: typeof tokenizer === 'string' ? tokenizer : 'byte' };
  }
}
