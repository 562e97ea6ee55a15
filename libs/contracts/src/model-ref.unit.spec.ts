import { describe, expect, it } from 'vitest';
import { modelRefSyntaxError, refKey, tryParseModelRef, versionKey } from './model-ref';

describe('model references', () => {
  it('reads a bare name as its latest alias, name@alias as the alias and name:version as the version', () => {
    expect(tryParseModelRef('tiny', 'x')).toEqual({ kind: 'alias', name: 'tiny', alias: 'latest' });
    expect(tryParseModelRef('tiny@prod', 'x')).toEqual({ kind: 'alias', name: 'tiny', alias: 'prod' });
    expect(tryParseModelRef('retnet-1.5:3', 'x')).toEqual({ kind: 'version', name: 'retnet-1.5', version: 3 });
  });

  it('takes the default model for an empty reference', () => {
    expect(tryParseModelRef('  ', 'base@stable')).toEqual({ kind: 'alias', name: 'base', alias: 'stable' });
  });

  it.each(['Tiny', 'tiny:0', 'tiny:1.5', 'tiny@', 'tiny@a.b', '-x', 'a b'])('refuses %j', (text) => {
    expect(tryParseModelRef(text, 'tiny')).toBeUndefined();
  });

  it('writes canonical keys and says what the syntax is', () => {
    expect(refKey({ kind: 'alias', name: 'tiny', alias: 'latest' })).toBe('tiny@latest');
    expect(refKey({ kind: 'version', name: 'tiny', version: 2 })).toBe('tiny:2');
    expect(versionKey('tiny', 2)).toBe('tiny:2');
    expect(modelRefSyntaxError('Tiny')).toContain('"Tiny"');
  });
});
