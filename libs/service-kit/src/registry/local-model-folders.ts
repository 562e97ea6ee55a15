// Models from local folders ("name:version=/dir,…,name@alias=version" in a service's *_MODEL_DIRS variable), for
// tests and single-node setups without the registry; shared by every service that loads models, as
// RegistryModelClient is. An alias resolves to the version a `name@alias=version` entry names, else to the highest
// version mapped for that name; later moves arrive as alias_moved events like the registry's. Failures are raised
// as the calling service's own error type.
import { type ModelRef, refKey } from '@neuroforge/contracts';
import type { RegistryModelErrors } from './registry-model-client';

/** A version mapped to a local folder and, when the reference named an alias, the alias it was found under. */
export interface ResolvedLocalFolder {
  readonly name: string;
  readonly version: number;
  readonly dir: string;
  readonly followsAlias?: { readonly name: string; readonly alias: string };
}

export class LocalModelFolders {
  /** `dirs` as parseModelDirs returns it; `errors.notFound` turns an unmapped reference into the service's error. */
  constructor(
    private readonly dirs: ReadonlyMap<string, string>,
    private readonly errors: Pick<RegistryModelErrors, 'notFound'>,
  ) {}

  /** Whether any version of the model is mapped (else the registry is asked). */
  knows(name: string): boolean {
    return [...this.dirs.keys()].some((key) => key.startsWith(`${name}:`));
  }

  async resolve(ref: ModelRef): Promise<ResolvedLocalFolder> {
    const versions = [...this.dirs.keys()]
      .filter((key) => key.startsWith(`${ref.name}:`))
      .map((key) => Number(key.slice(ref.name.length + 1)));
    const aliased = ref.kind === 'alias' ? this.dirs.get(`${ref.name}@${ref.alias}`) : undefined;
    const version = ref.kind === 'version' ? ref.version : aliased ? Number(aliased) : Math.max(...versions);
    const dir = this.dirs.get(`${ref.name}:${version}`);
    if (!dir) throw this.errors.notFound(refKey(ref), 'no local folder is mapped for it');
    return {
      name: ref.name,
      version,
      dir,
      ...(ref.kind === 'alias' ? { followsAlias: { name: ref.name, alias: ref.alias } } : {}),
    };
  }
}

/** Parses "name:version=/dir,name@alias=version"; `variable` names the setting in the error for a malformed item. */
export function parseModelDirs(text: string, variable: string): Map<string, string> {
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
