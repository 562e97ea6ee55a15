import { describe, expect, it } from 'vitest';
import { parseMetadataFilter } from '../../domain/metadata-filter';
import { filterSql } from './filter-sql';

describe('filter SQL', () => {
  it('binds every key and value as a parameter', () => {
    const params: unknown[] = ['query-vector'];
    const sql = filterSql(parseMetadataFilter({ "lang'; DROP TABLE x; --": 'en', year: { gte: 2000 } }), params);
    expect(sql).not.toContain('DROP');
    expect(sql).toContain('$2');
    expect(sql).toContain('$5');
    expect(params).toEqual(['query-vector', "lang'; DROP TABLE x; --", '"en"', 'year', 2000]);
  });

  it('is TRUE for an empty filter', () => {
    expect(filterSql([], [])).toBe('TRUE');
  });

  it('compares string bounds as text and numeric bounds as numeric', () => {
    const params: unknown[] = [];
    const sql = filterSql(parseMetadataFilter({ name: { lt: 'm' }, n: { gt: 1 } }), params);
    expect(sql).toMatch(/'string' THEN \(metadata ->> \$1::text\) < \$2::text/);
    expect(sql).toMatch(/'number' THEN \(metadata ->> \$3::text\)::numeric > \$4::numeric/);
  });
});
