// google.protobuf.Timestamp in its runtime shape ({ seconds: string, nanos }) ↔ ISO 8601 text.
export interface ProtoTimestamp {
  seconds: string;
  nanos: number;
}

export function toTimestamp(iso: string | Date): ProtoTimestamp {
  const ms = (typeof iso === 'string' ? new Date(iso) : iso).getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function fromTimestamp(ts: ProtoTimestamp): string {
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000)).toISOString();
}
