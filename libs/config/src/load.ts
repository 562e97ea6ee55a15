import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors';
import { isLeaf, type Leaf, type Tree } from './fields';
import { configTree, type NeuroForgeConfig } from './schema';
import { closest, defaultsOf, envVarName, nodeAt } from './tree-walk';
import { configSchema } from './validate';

export interface LoadConfigOptions {
  /** Environment to read (default: process.env). */
  env?: Record<string, string | undefined>;
  /** config.yaml path; must exist when given. Default: $NEUROFORGE_CONFIG, else <cwd>/config.yaml if present. */
  file?: string;
  /** Folder for the default config.yaml and for relative paths (default: process.cwd()). */
  cwd?: string;
}

type Plain = Record<string, unknown>;
type Path = readonly string[];

const ENV_PREFIX = 'NEUROFORGE_';
/** The one NEUROFORGE_ variable that is not a key: it points at the file. */
const CONFIG_FILE_VAR = 'NEUROFORGE_CONFIG';

/** Loads, merges (env > config.yaml > defaults) and validates the configuration; throws ConfigError. */
export function loadConfig(opts: LoadConfigOptions = {}): NeuroForgeConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const issues: ConfigIssue[] = [];

  // 1. Read the layers, collecting unknown keys and unreadable input as issues.
  const file = locateFile(opts, env, cwd, issues);
  const fileLayer = file ? readFileLayer(file, issues) : undefined;
  const envLayer = readEnvLayer(env, issues);
  if (issues.length) throw new ConfigError(issues as [ConfigIssue, ...ConfigIssue[]]);

  // 2. Merge: defaults < file < env.
  const merged = defaultsOf(configTree);
  if (fileLayer) deepAssign(merged, fileLayer.values);
  deepAssign(merged, envLayer.values);

  const sourceOf = (path: Path): string => {
    const dotted = path.join('.');
    return envLayer.vars.get(dotted) ?? fileLayer?.lineOf(path) ?? 'default';
  };

  // 3. Validate types, ranges and cross-field rules.
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const all = parsed.error.issues.map((i) => toIssue(i, merged, sourceOf));
    throw new ConfigError(all as [ConfigIssue, ...ConfigIssue[]]);
  }

  // 4. Relative paths in a file are relative to that file; elsewhere to cwd.
  const config = parsed.data;
  const base = fileLayer?.has(['system', 'artifact_dir']) && file ? dirname(file.path) : cwd;
  if (!isAbsolute(config.system.artifact_dir)) config.system.artifact_dir = resolve(base, config.system.artifact_dir);
  return config;
}

/** The configuration with every default and nothing read from the environment or a file. */
export function defaultConfig(): NeuroForgeConfig {
  return loadConfig({ env: {}, cwd: '/nonexistent-neuroforge-defaults' });
}

interface FileRef {
  path: string;
  /** What named the file, for errors: `opts.file`, `NEUROFORGE_CONFIG` or `default`. */
  namedBy: string;
}

function locateFile(
  opts: LoadConfigOptions,
  env: LoadConfigOptions['env'] & object,
  cwd: string,
  issues: ConfigIssue[],
) {
  const explicit: FileRef | undefined = opts.file
    ? { path: resolve(cwd, opts.file), namedBy: 'loadConfig({ file })' }
    : env[CONFIG_FILE_VAR]
      ? { path: resolve(cwd, env[CONFIG_FILE_VAR] as string), namedBy: CONFIG_FILE_VAR }
      : undefined;
  if (explicit) {
    if (existsSync(explicit.path)) return explicit;
    issues.push({
      key: 'config_file',
      value: explicit.path,
      allowed: 'must be an existing YAML file',
      source: explicit.namedBy,
    });
    return undefined;
  }
  const fallback = resolve(cwd, 'config.yaml');
  return existsSync(fallback) ? { path: fallback, namedBy: 'default' } : undefined;
}

interface FileLayer {
  values: Plain;
  has(path: Path): boolean;
  lineOf(path: Path): string | undefined;
}

function readFileLayer(file: FileRef, issues: ConfigIssue[]): FileLayer | undefined {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (err) {
    issues.push({
      key: 'config_file',
      value: file.path,
      allowed: `must be readable (${String(err)})`,
      source: file.namedBy,
    });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const at = err?.linePos?.[0];
    issues.push({
      key: 'config_file',
      value: file.path,
      allowed: `must be valid YAML: ${err?.code ?? 'error'}: ${err?.message.split('\n')[0] ?? ''}`,
      source: at ? `${file.path}:${at.line}` : file.path,
    });
    return undefined;
  }
  const lineOf = (path: Path): string | undefined => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node === undefined) return undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? file.path : `${file.path}:${lineCounter.linePos(offset).line}`;
  };
  const raw: unknown = doc.toJS() ?? {};
  if (!isPlain(raw)) {
    issues.push({
      key: '(top level)',
      value: raw,
      allowed: `must be a mapping of sections (${Object.keys(configTree).join(', ')})`,
      source: file.path,
    });
    return undefined;
  }
  const values = checkFileKeys(raw, configTree, [], issues, (p) => lineOf(p) ?? file.path);
  return { values, has: (p) => doc.hasIn(p), lineOf };
}

// Walks the file's mapping against the tree: unknown keys are issues; empty sections (`model:`) count as {}.
// Lists may also be written as one comma-separated string.
function checkFileKeys(raw: Plain, tree: Tree, prefix: Path, issues: ConfigIssue[], where: (p: Path) => string): Plain {
  const out: Plain = {};
  for (const [key, value] of Object.entries(raw)) {
    const path = [...prefix, key];
    const node = Object.hasOwn(tree, key) ? (tree[key] as Leaf | Tree) : undefined;
    if (!node) {
      issues.push({ key: path.join('.'), value, allowed: unknownKeyHint(tree, prefix, key), source: where(path) });
    } else if (isLeaf(node)) {
      out[key] = node.kind === 'list' && typeof value === 'string' ? splitList(value) : value;
    } else if (value === null) {
      out[key] = {};
    } else if (isPlain(value)) {
      out[key] = checkFileKeys(value, node, path, issues, where);
    } else {
      issues.push({
        key: path.join('.'),
        value,
        allowed: `must be a mapping with keys ${Object.keys(node).join(', ')}`,
        source: where(path),
      });
    }
  }
  return out;
}

interface EnvLayer {
  values: Plain;
  /** dotted key → env var that set it */
  vars: Map<string, string>;
}

function readEnvLayer(env: Record<string, string | undefined>, issues: ConfigIssue[]): EnvLayer {
  const values: Plain = {};
  const vars = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_FILE_VAR || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    const node = nodeAt(configTree, path);
    if (!node || !isLeaf(node)) {
      issues.push({ key: path.join('.'), value, allowed: unknownEnvHint(path), source: name });
      continue;
    }
    setIn(values, path, coerce(node, value));
    vars.set(path.join('.'), name);
  }
  return { values, vars };
}

// Env values are strings; turn them into the leaf's type where the text is unambiguous. Anything else is left
// as a string so that validation reports it with the variable's name.
function coerce(leaf: Leaf, text: string): unknown {
  const t = text.trim();
  switch (leaf.kind) {
    case 'integer':
    case 'number':
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : text;
    case 'boolean': {
      const lower = t.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return text;
    }
    case 'list':
      return splitList(t);
    default:
      return text;
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function unknownKeyHint(tree: Tree, prefix: Path, key: string): string {
  const known = Object.keys(tree);
  const guess = closest(key, known);
  const where = prefix.length ? prefix.join('.') : 'the top level';
  return guess
    ? `unknown key; did you mean ${[...prefix, guess].join('.')}?`
    : `unknown key; ${where} has ${known.join(', ')}`;
}

function unknownEnvHint(path: Path): string {
  // Find the deepest existing section to suggest within it.
  let depth = 0;
  while (depth < path.length && nodeAt(configTree, path.slice(0, depth + 1)) !== undefined) depth++;
  const parent = nodeAt(configTree, path.slice(0, depth));
  if (depth === path.length) return `names a section, not a key; set ${envVarName([...path, '<key>'])}`;
  if (!parent || isLeaf(parent)) return 'does not name a configuration key';
  const guess = closest(path[depth] ?? '', Object.keys(parent));
  const hint = guess ? `; did you mean ${envVarName([...path.slice(0, depth), guess])}?` : '';
  return `does not name a configuration key (NEUROFORGE_<SECTION>__<KEY>)${hint}`;
}

function toIssue(issue: z.core.$ZodIssue, merged: Plain, sourceOf: (p: Path) => string): ConfigIssue {
  // An issue inside a list item (stack.kafka_brokers.0) is reported against the list's key.
  let keyPath = issue.path.map(String);
  while (keyPath.length && !nodeAt(configTree, keyPath)) keyPath = keyPath.slice(0, -1);
  const node = nodeAt(configTree, keyPath);
  let allowed = issue.message;
  if (issue.code !== 'custom' && node && isLeaf(node)) {
    allowed =
      issue.code === 'invalid_type' && node.kind === 'number'
        ? node.allowed.replace(/^must be /, 'must be a number ')
        : node.allowed;
  }
  // A cross-field rule may be broken by a key other than the one reported: name where the others came from.
  const related = issue.code === 'custom' ? ((issue.params?.related as string[] | undefined) ?? []) : [];
  const also = related
    .map((dotted) => ({ dotted, source: sourceOf(dotted.split('.')) }))
    .filter((r) => r.source !== 'default')
    .map((r) => `; ${r.dotted} set by ${r.source}`);
  return {
    key: keyPath.join('.'),
    value: getIn(merged, keyPath),
    allowed,
    source: `${sourceOf(keyPath)}${also.join('')}`,
  };
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getIn(obj: Plain, path: Path): unknown {
  let cur: unknown = obj;
  for (const k of path) cur = isPlain(cur) ? cur[k] : Array.isArray(cur) ? cur[Number(k)] : undefined;
  return cur;
}

function setIn(obj: Plain, path: Path, value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (!isPlain(cur[k])) cur[k] = {};
    cur = cur[k] as Plain;
  }
  cur[path[path.length - 1] as string] = value;
}

function deepAssign(target: Plain, source: Plain): void {
  for (const [k, v] of Object.entries(source)) {
    if (isPlain(v) && isPlain(target[k])) deepAssign(target[k] as Plain, v);
    else target[k] = v;
  }
}
