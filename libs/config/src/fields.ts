import { z } from 'zod';

// A configuration leaf: its zod schema plus what the docs and error messages need to say about it.
// Keeping the human-readable "allowed" text next to the schema means error messages and docs/config.md
// can never disagree with the validation itself.
export type LeafKind = 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'list';

export interface Leaf<S extends z.ZodType = z.ZodType> {
  readonly leaf: true;
  readonly kind: LeafKind;
  readonly schema: S;
  readonly default: z.output<S>;
  /** What the value must be, phrased to follow "is invalid: " (e.g. "must be > 0 and ≤ 1"). */
  readonly allowed: string;
  readonly doc: string;
}

export interface Tree {
  readonly [key: string]: Leaf | Tree;
}

export function isLeaf(node: Leaf | Tree): node is Leaf {
  return (node as Leaf).leaf === true;
}

// Maps a tree of leaves to the type of the validated configuration it describes.
export type TreeValue<T> = { -readonly [K in keyof T]: T[K] extends Leaf<infer S> ? z.output<S> : TreeValue<T[K]> };

function leaf<S extends z.ZodType>(kind: LeafKind, schema: S, def: z.output<S>, allowed: string, doc: string): Leaf<S> {
  return { leaf: true, kind, schema, default: def, allowed, doc };
}

interface Bounds {
  /** inclusive lower bound */
  min?: number;
  /** exclusive lower bound */
  gt?: number;
  /** inclusive upper bound */
  max?: number;
  /** exclusive upper bound */
  lt?: number;
}

function boundsText({ min, gt, max, lt }: Bounds): string[] {
  const parts: string[] = [];
  if (gt !== undefined) parts.push(`> ${gt}`);
  if (min !== undefined) parts.push(`≥ ${min}`);
  if (max !== undefined) parts.push(`≤ ${max}`);
  if (lt !== undefined) parts.push(`< ${lt}`);
  return parts;
}

function applyBounds(schema: z.ZodNumber, { min, gt, max, lt }: Bounds): z.ZodNumber {
  let s = schema;
  if (gt !== undefined) s = s.gt(gt);
  if (min !== undefined) s = s.min(min);
  if (max !== undefined) s = s.max(max);
  if (lt !== undefined) s = s.lt(lt);
  return s;
}

export function int(def: number, doc: string, bounds: Bounds = {}): Leaf<z.ZodNumber> {
  const text = boundsText(bounds);
  const allowed = text.length ? `must be an integer ${text.join(' and ')}` : 'must be an integer';
  return leaf('integer', applyBounds(z.number().int(), bounds), def, allowed, doc);
}

export function num(def: number, doc: string, bounds: Bounds = {}): Leaf<z.ZodNumber> {
  const text = boundsText(bounds);
  const allowed = text.length ? `must be ${text.join(' and ')}` : 'must be a number';
  return leaf('number', applyBounds(z.number(), bounds), def, allowed, doc);
}

export function bool(def: boolean, doc: string): Leaf<z.ZodBoolean> {
  return leaf('boolean', z.boolean(), def, 'must be true or false (1/0 also accepted from the environment)', doc);
}

export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  def: V[number],
  doc: string,
): Leaf<z.ZodEnum<{ [K in V[number]]: K }>> {
  const schema = z.enum(values as unknown as [V[number], ...V[number][]]) as unknown as z.ZodEnum<{
    [K in V[number]]: K;
  }>;
  return leaf('enum', schema, def as z.output<typeof schema>, `must be one of ${values.join(', ')}`, doc);
}

export interface StringRule {
  pattern: RegExp;
  /** phrase after "must be ", e.g. "a mongodb:// URL" */
  describe: string;
}

export function str(def: string, doc: string, rule?: StringRule): Leaf<z.ZodString> {
  const base = z.string().min(1);
  const schema = rule ? base.regex(rule.pattern) : base;
  return leaf('string', schema, def, rule ? `must be ${rule.describe}` : 'must be a non-empty string', doc);
}

/** A string that may be left empty ('' = not set); a non-empty value must match the rule. */
export function optionalStr(doc: string, rule: StringRule): Leaf<z.ZodString> {
  const allowed = `must be empty or ${rule.describe}`;
  // The rule's own words as the refinement's message: a custom issue is reported with its message as is.
  const schema = z.string().refine((s) => s === '' || rule.pattern.test(s), { message: allowed });
  return leaf('string', schema, '', allowed, doc);
}

export function list(def: string[], doc: string, item: StringRule): Leaf<z.ZodArray<z.ZodString>> {
  const schema = z.array(z.string().regex(item.pattern)).min(1);
  return leaf(
    'list',
    schema,
    def,
    `must be a non-empty list of ${item.describe} (comma-separated in the environment)`,
    doc,
  );
}
