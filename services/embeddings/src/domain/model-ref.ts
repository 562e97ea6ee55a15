// How a request names a model: "name" (its "latest" alias), "name@alias" or "name:version" (as in inference).
import { EmbeddingsError } from './embeddings-error';

export type ModelRef =
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string }
  | { readonly kind: 'version'; readonly name: string; readonly version: number };

export const DEFAULT_ALIAS = 'latest';
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const ALIAS = /^[a-z0-9][a-z0-9_-]*$/;

/** Parses a model reference; an empty one means `defaultModel`. Throws INVALID_ARGUMENT naming `field`. */
export function parseModelRef(text: string, defaultModel: string, field = 'model'): ModelRef {
  const ref = text.trim() || defaultModel;
  const at = ref.indexOf('@');
  const colon = ref.lastIndexOf(':');
  let parsed: ModelRef | undefined;
  if (at >= 0) {
    parsed = { kind: 'alias', name: ref.slice(0, at), alias: ref.slice(at + 1) };
    if (!ALIAS.test(parsed.alias)) parsed = undefined;
  } else if (colon >= 0) {
    const version = Number(ref.slice(colon + 1));
    parsed =
      Number.isSafeInteger(version) && version >= 1
        ? { kind: 'version', name: ref.slice(0, colon), version }
        : undefined;
  } else {
    parsed = { kind: 'alias', name: ref, alias: DEFAULT_ALIAS };
  }
  if (!parsed || !NAME.test(parsed.name)) {
    throw EmbeddingsError.invalid(
      field,
      `must be "name", "name@alias" or "name:version" (lower-case letters, digits, ".", "-", "_"), got ${JSON.stringify(text)}`,
    );
  }
  return parsed;
}

export function refKey(ref: ModelRef): string {
  return ref.kind === 'alias' ? `${ref.name}@${ref.alias}` : `${ref.name}:${ref.version}`;
}
