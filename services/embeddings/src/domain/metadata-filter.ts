// Metadata filters (SearchRequest.filter, DeleteRequest.filter) parsed into a small typed form, so the SQL
// adapter never sees unchecked input. Syntax: each key names a top-level metadata field and holds either a value
// it must equal, or an object of operators: {"lang": "en", "year": {"gte": 2000, "lt": 2020}, "tag": {"in": ["a"]}}.
import { EmbeddingsError } from './embeddings-error';

export type Scalar = string | number | boolean | null;
export type JsonValue = Scalar | JsonValue[] | { [key: string]: JsonValue };

export type Condition =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: JsonValue }
  | { readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly key: string; readonly value: number | string }
  | { readonly op: 'in'; readonly key: string; readonly values: Scalar[] }
  | { readonly op: 'exists'; readonly key: string; readonly value: boolean };

/** All conditions must hold. Empty: matches every document. */
export type MetadataFilter = readonly Condition[];

const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'exists'] as const;
const MAX_CONDITIONS = 32;

function bad(field: string, message: string): EmbeddingsError {
  return new EmbeddingsError('EMBEDDINGS.INVALID_FILTER', `${field}: ${message}`, field);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Parses a filter (a JSON object, or null/undefined for none); `field` names it in errors. */
export function parseMetadataFilter(raw: unknown, field = 'filter'): MetadataFilter {
  if (raw === null || raw === undefined) return [];
  if (!isObject(raw)) throw bad(field, 'must be a JSON object');
  const conditions: Condition[] = [];
  for (const [key, spec] of Object.entries(raw)) {
    const at = `${field}.${key}`;
    if (key.length === 0 || key.length > 128) throw bad(at, 'metadata keys are 1 to 128 characters');
    if (!isObject(spec)) {
      conditions.push({ op: 'eq', key, value: jsonValue(spec, at) });
      continue;
    }
    const ops = Object.entries(spec);
    if (ops.length === 0) throw bad(at, `an empty operator object; use one of ${OPERATORS.join(', ')}`);
    for (const [op, value] of ops) conditions.push(condition(op, key, value, `${at}.${op}`));
  }
  if (conditions.length > MAX_CONDITIONS) throw bad(field, `at most ${MAX_CONDITIONS} conditions`);
  return conditions;
}

function condition(op: string, key: string, value: unknown, at: string): Condition {
  switch (op) {
    case 'eq':
    case 'ne':
      return { op, key, value: jsonValue(value, at) };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string') return { op, key, value };
      throw bad(at, 'a range bound must be a number or a string');
    case 'in':
      if (!Array.isArray(value) || value.length === 0 || value.length > 1000 || !value.every(isScalar)) {
        throw bad(at, 'must be a list of 1 to 1000 strings, numbers, booleans or nulls');
      }
      return { op, key, values: value };
    case 'exists':
      if (typeof value !== 'boolean') throw bad(at, 'must be true or false');
      return { op, key, value };
    default:
      throw bad(at, `unknown operator '${op}'; use one of ${OPERATORS.join(', ')}`);
  }
}

function jsonValue(value: unknown, at: string): JsonValue {
  if (isScalar(value)) return value;
  if (Array.isArray(value)) return value.map((v, i) => jsonValue(v, `${at}[${i}]`));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v, `${at}.${k}`)]));
  throw bad(at, `${String(value)} is not a JSON value`);
}
