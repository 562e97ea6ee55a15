// How a request names a model, in every API that takes one (inference.proto, embeddings.proto): "name" (its
// "latest" alias), "name@alias" or "name:version". The syntax lives here once; each service raises its own error
// (with its own code) for a reference that does not parse.

export type ModelRef =
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string }
  | { readonly kind: 'version'; readonly name: string; readonly version: number };

export const DEFAULT_ALIAS = 'latest';
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const ALIAS = /^[a-z0-9][a-z0-9_-]*$/;

/** What a client reads when its reference does not parse. */
export function modelRefSyntaxError(text: string): string {
  return `must be "name", "name@alias" or "name:version" (lower-case letters, digits, ".", "-", "_"), got ${JSON.stringify(text)}`;
}

/** Parses a model reference; an empty one means `defaultModel`. Undefined when it does not parse. */
export function tryParseModelRef(text: string, defaultModel: string): ModelRef | undefined {
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
  return parsed && NAME.test(parsed.name) ? parsed : undefined;
}

/** Canonical text of a reference: the key under which a server routes requests. */
export function refKey(ref: ModelRef): string {
  return ref.kind === 'alias' ? `${ref.name}@${ref.alias}` : `${ref.name}:${ref.version}`;
}

/** Key of one loaded model version. */
export function versionKey(name: string, version: number): string {
  return `${name}:${version}`;
}
