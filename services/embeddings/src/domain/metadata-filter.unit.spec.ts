import { describe, expect, it } from 'vitest';
import { EmbeddingsError } from './embeddings-error';
import { parseMetadataFilter } from './metadata-filter';

function failure(raw: unknown): EmbeddingsError {
  try {
    parseMetadataFilter(raw);
  } catch (error) {
    return error as EmbeddingsError;
  }
  throw new Error('parsed');
}

describe('metadata filters', () => {
  it('reads plain values as equality and objects as operators', () => {
    expect(parseMetadataFilter({ lang: 'en', year: { gte: 2000, lt: 2020 }, tag: { in: ['a', 'b'] } })).toEqual([
      { op: 'eq', key: 'lang', value: 'en' },
      { op: 'gte', key: 'year', value: 2000 },
      { op: 'lt', key: 'year', value: 2020 },
      { op: 'in', key: 'tag', values: ['a', 'b'] },
    ]);
  });

  it('matches everything when absent', () => {
    expect(parseMetadataFilter(null)).toEqual([]);
    expect(parseMetadataFilter(undefined)).toEqual([]);
    expect(parseMetadataFilter({})).toEqual([]);
  });

  it('keeps list values as exact equality', () => {
    expect(parseMetadataFilter({ tags: ['x'] })).toEqual([{ op: 'eq', key: 'tags', value: ['x'] }]);
  });

  it.each([
    [{ year: { between: [1, 2] } }, 'filter.year.between', /unknown operator 'between'/],
    [{ year: { gte: true } }, 'filter.year.gte', /number or a string/],
    [{ tag: { in: [] } }, 'filter.tag.in', /list of 1 to 1000/],
    [{ tag: { exists: 'yes' } }, 'filter.tag.exists', /true or false/],
    [{ year: {} }, 'filter.year', /empty operator object/],
    ['lang=en', 'filter', /JSON object/],
  ])('rejects %j naming %s', (raw, field, message) => {
    const error = failure(raw);
    expect(error.code).toBe('EMBEDDINGS.INVALID_FILTER');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
