// Models from local folders (NF_EMBEDDINGS_MODEL_DIRS "name:version=/dir,…,name@alias=version"), for tests and
// single-node setups without the registry. An alias resolves to the version a `name@alias=version` entry names,
// else to the highest version mapped for that name.
import type { ModelSource, ResolvedModel } from '../../application/ports/embedding-models.port';
import { EmbeddingsError } from '../../domain/embeddings-error';
import { type ModelRef, refKey } from '../../domain/model-ref';

export class LocalFolderSource implements ModelSource {
  constructor(private readonly dirs: ReadonlyMap<string, string>) {}

  knows(name: string): boolean {
    return [...this.dirs.keys()].some((key) => key.startsWith(`${name}:`));
  }

  async resolve(ref: ModelRef): Promise<ResolvedModel> {
    const versions = [...this.dirs.keys()]
      .filter((key) => key.startsWith(`${ref.name}:`))
      .map((key) => Number(key.slice(ref.name.length + 1)));
    const aliased = ref.kind === 'alias' ? this.dirs.get(`${ref.name}@${ref.alias}`) : undefined;
    const version = ref.kind === 'version' ? ref.version : aliased ? Number(aliased) : Math.max(...versions);
    const dir = this.dirs.get(`${ref.name}:${version}`);
    if (!dir) {
      throw new EmbeddingsError('EMBEDDINGS.MODEL_NOT_FOUND', `model ${refKey(ref)}: no local folder is mapped for it`);
    }
    return {
      name: ref.name,
      version,
      dir,
      ...(ref.kind === 'alias' ? { followsAlias: { name: ref.name, alias: ref.alias } } : {}),
    };
  }
}

/** Parses "name:version=/dir,name@alias=version". */
export function parseModelDirs(text: string, variable = 'NF_EMBEDDINGS_MODEL_DIRS'): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    const folder = /^[a-z0-9][a-z0-9._-]*:[1-9][0-9]*$/.test(key);
    const alias = /^[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9_-]*$/.test(key) && /^[1-9][0-9]*$/.test(value);
    if (eq < 1 || !(folder || alias)) {
      throw new Error(`${variable}: '${item}' must be name:version=/path/to/model-folder or name@alias=version`);
    }
    dirs.set(key, value);
  }
  return dirs;
}
