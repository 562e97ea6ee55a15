import { describe, expect, it } from 'vitest';
import { PrefixStateCache, prefixKeys } from './prefix-cache';

describe('PrefixStateCache', () => {
  it('evicts the least recently used entries to stay within its byte budget', () => {
    const cache = new PrefixStateCache<string>(300);
    cache.set('m:1|a', 'A', 100);
    cache.set('m:1|b', 'B', 100);
    cache.set('m:1|c', 'C', 100);
    expect(cache.get('m:1|a')).toBe('A'); // a is now the most recent
    cache.set('m:1|d', 'D', 100);
    expect(cache.has('m:1|b')).toBe(false);
    expect([cache.has('m:1|a'), cache.has('m:1|c'), cache.has('m:1|d')]).toEqual([true, true, true]);
    expect(cache.bytesUsed).toBe(300);
  });

  it('ignores a state larger than the whole budget and drops one model version on request', () => {
    const cache = new PrefixStateCache<string>(100);
    cache.set('m:1|big', 'X', 101);
    expect(cache.size).toBe(0);
    cache.set('m:1|a', 'A', 50);
    cache.set('m:2|a', 'A2', 50);
    cache.deleteModel('m:1');
    expect([cache.has('m:1|a'), cache.has('m:2|a')]).toEqual([false, true]);
  });
});

describe('prefixKeys', () => {
  it('names block-aligned prefixes by model and content, up to the limit', () => {
    const tokens = Array.from({ length: 300 }, (_, i) => i % 97);
    const keys = prefixKeys('m:1', tokens, 64, 299);
    expect(keys).toHaveLength(4);
    expect(keys[0]?.startsWith('m:1|64|')).toBe(true);
    // Same prefix, different tail: same keys for the shared blocks.
    const other = [...tokens.slice(0, 130), ...Array.from({ length: 170 }, () => 5)];
    expect(prefixKeys('m:1', other, 64, 299).slice(0, 2)).toEqual(keys.slice(0, 2));
    expect(prefixKeys('m:1', other, 64, 299)[2]).not.toBe(keys[2]);
    expect(prefixKeys('m:2', tokens, 64, 299)[0]).not.toBe(keys[0]);
  });
});
