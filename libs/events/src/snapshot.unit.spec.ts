import { describe, expect, it } from 'vitest';
import { decodeSnapshotState, encodeSnapshotState, SnapshotStateError } from './snapshot';

describe('snapshot state encoding', () => {
  it('round-trips a plain JSON state', () => {
    const state = { status: 'active', n: 3, tags: ['a', 'b'], job: null, nested: { ok: true } };
    expect(decodeSnapshotState(encodeSnapshotState(state))).toEqual(state);
  });

  it('refuses a Date, naming where it is and how to fix it', () => {
    expect(() => encodeSnapshotState({ job: { startedAt: new Date(0) } })).toThrow(SnapshotStateError);
    expect(() => encodeSnapshotState({ job: { startedAt: new Date(0) } })).toThrow(
      /\$\.job\.startedAt is a Date.*codec/,
    );
  });

  it('refuses Maps, NaN, bigint and undefined array items', () => {
    expect(() => encodeSnapshotState({ m: new Map() })).toThrow(/\$\.m is a Map/);
    expect(() => encodeSnapshotState({ x: Number.NaN })).toThrow(/\$\.x is NaN/);
    expect(() => encodeSnapshotState({ x: 1n })).toThrow(/\$\.x is a bigint/);
    expect(() => encodeSnapshotState({ xs: [1, undefined] })).toThrow(/\$\.xs\[1\] is undefined/);
  });

  it('uses a codec for states that are not plain JSON', () => {
    const codec = {
      encode: (s: { at: Date }) => ({ at: s.at.toISOString() }),
      decode: (j: unknown) => ({ at: new Date((j as { at: string }).at) }),
    };
    const state = { at: new Date('2026-01-02T03:04:05.000Z') };
    expect(decodeSnapshotState(encodeSnapshotState(state, codec), codec)).toEqual(state);
  });
});
