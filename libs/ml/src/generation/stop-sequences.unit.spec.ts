import { describe, expect, it } from 'vitest';
import { StopSequenceMatcher } from './stop-sequences';

describe('StopSequenceMatcher', () => {
  it('passes text straight through without stop strings', () => {
    expect(new StopSequenceMatcher([]).push('abc')).toEqual({ text: 'abc' });
  });

  it('finds a stop string split across deltas and trims it with what follows', () => {
    const matcher = new StopSequenceMatcher(['</end>']);
    expect(matcher.push('hello </')).toEqual({ text: 'hello ' });
    expect(matcher.push('en')).toEqual({ text: '' });
    expect(matcher.push('d> trailing')).toEqual({ text: '', stop: '</end>' });
  });

  it('releases held text once it can no longer start a stop string', () => {
    const matcher = new StopSequenceMatcher(['\n\n']);
    expect(matcher.push('a\n')).toEqual({ text: 'a' });
    expect(matcher.push('b')).toEqual({ text: '\nb' });
  });

  it('stops at the earliest of several stop strings', () => {
    const matcher = new StopSequenceMatcher(['world', 'lo']);
    expect(matcher.push('hello world')).toEqual({ text: 'hel', stop: 'lo' });
  });

  it('hands back held text on flush', () => {
    const matcher = new StopSequenceMatcher(['STOP']);
    expect(matcher.push('xST')).toEqual({ text: 'x' });
    expect(matcher.flush()).toBe('ST');
  });
});
