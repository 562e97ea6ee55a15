// Metadata filters as SQL over the JSONB `metadata` column, with every key and value a bound parameter (never
// spliced into the text). Scalar equality uses containment (`@>`), which a GIN index on metadata can serve;
// ranges compare numbers as numeric and strings as text, and a field of the other type never matches.
import type { Condition, MetadataFilter } from '../../domain/metadata-filter';

const RANGE_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** `TRUE` for an empty filter, else the conjunction of the conditions; appends their values to `params`. */
export function filterSql(filter: MetadataFilter, params: unknown[], column = 'metadata'): string {
  if (filter.length === 0) return 'TRUE';
  return filter.map((c) => `(${conditionSql(c, params, column)})`).join(' AND ');
}

function conditionSql(c: Condition, params: unknown[], column: string): string {
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  switch (c.op) {
    case 'eq': {
      const scalar = c.value === null || typeof c.value !== 'object';
      // Containment for scalars (index-friendly); exact JSON equality for lists and objects.
      return scalar
        ? `${column} @> jsonb_build_object(${bind(c.key)}::text, ${bind(JSON.stringify(c.value))}::jsonb)`
        : `${column} -> ${bind(c.key)}::text = ${bind(JSON.stringify(c.value))}::jsonb`;
    }
    case 'ne':
      return `${column} -> ${bind(c.key)}::text IS DISTINCT FROM ${bind(JSON.stringify(c.value))}::jsonb`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const key = bind(c.key);
      const op = RANGE_OPS[c.op];
      return typeof c.value === 'number'
        ? `CASE WHEN jsonb_typeof(${column} -> ${key}::text) = 'number' ` +
            `THEN (${column} ->> ${key}::text)::numeric ${op} ${bind(c.value)}::numeric ELSE FALSE END`
        : `CASE WHEN jsonb_typeof(${column} -> ${key}::text) = 'string' ` +
            `THEN (${column} ->> ${key}::text) ${op} ${bind(c.value)}::text ELSE FALSE END`;
    }
    case 'in':
      return `${bind(JSON.stringify(c.values))}::jsonb @> jsonb_build_array(${column} -> ${bind(c.key)}::text)`;
    case 'exists':
      return `${c.value ? '' : 'NOT '}jsonb_exists(${column}, ${bind(c.key)}::text)`;
  }
}
