import { describe, expect, it } from 'vitest';
import { eventually } from './eventually';

describe('eventually', () => {
  it('returns the first value that passes, polling until then', async () => {
    let calls = 0;
    const value = await eventually(
      async () => ++calls,
      (n) => n >= 3,
      2_000,
      1,
    );
    expect(value).toBe(3);
    expect(calls).toBe(3);
  });

  it('fails after the timeout naming the last value seen', async () => {
    await expect(
      eventually(
        async () => ({ state: 'queued' }),
        () => false,
        50,
        10,
      ),
    ).rejects.toThrow('condition not met in 50 ms; last value: {"state":"queued"}');
  });
});
