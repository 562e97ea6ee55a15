import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Environment variable that points at a protos/ folder, for deployments that ship protos outside the checkout. */
export const PROTO_ROOT_ENV = 'NEUROFORGE_PROTO_ROOT';

/**
 * Finds the protos/ folder: the environment override, else the nearest ancestor of this file that holds
 * `protos/neuroforge`. Walking up (instead of a fixed `../..`) makes the same code work from src/ (tests, tsx)
 * and from dist/ (built services), and from a container image that copies protos/ next to the app.
 */
export function findProtoRoot(startDir: string = __dirname, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[PROTO_ROOT_ENV];
  if (fromEnv) {
    const root = resolve(fromEnv);
    if (!existsSync(join(root, 'neuroforge'))) {
      throw new Error(`${PROTO_ROOT_ENV}=${fromEnv} has no neuroforge/ folder; point it at the repository's protos/`);
    }
    return root;
  }
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, 'protos');
    if (existsSync(join(candidate, 'neuroforge'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `no protos/neuroforge folder above ${startDir}; set ${PROTO_ROOT_ENV} to the folder holding neuroforge/`,
      );
    }
    dir = parent;
  }
}

/** Absolute path of the protos/ folder (the include root: imports read `neuroforge/<context>/v1/<file>.proto`). */
export const PROTO_ROOT: string = findProtoRoot();
