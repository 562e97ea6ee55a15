// Models served from local folders (NF_INFERENCE_MODEL_DIRS "name:version=/dir"), for tests and single-node
// setups without the registry. An alias resolves to the version a `name@alias=version` entry names, else to the
// highest version mapped for that name; later moves arrive as alias_moved events like the registry's.

import type { ModelSource, ResolvedModel } from '../application/ports/model-source.port';
import { InferenceError } from '../domain/inference-error';
import { type ModelRef, refKey } from '../domain/model-ref';

export class LocalFolderSource implements ModelSource {
  constructor(private readonly dirs: ReadonlyMap<string, string>) {}

  /** Whether this source knows the model at all (else the registry is asked). */
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
    if (!dir) throw InferenceError.modelNotFound(refKey(ref), 'no local folder is mapped for it');
    return {
      name: ref.name,
      version,
      dir,
      tokenizerId: '',
      weightsSource: 'local folder',
      ...(ref.kind === 'alias' ? { followsAlias: { name: ref.name, alias: ref.alias } } : {}),
    };
  }
}
