import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// The SDK patches modules as they load, so it runs in a child process with a fresh module cache, using the
// built library (dist) exactly as a service would.
const ROOT = join(__dirname, '../../..');
const PROBE = join(__dirname, '../test/trace-probe.cjs');
const JAEGER_QUERY = 'http://127.0.0.1:16686';
const OTLP_GRPC = 'http://127.0.0.1:4317';

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
}

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;

async function tracesOf(service: string): Promise<JaegerTrace[]> {
  const res = await fetch(`${JAEGER_QUERY}/api/traces?service=${encodeURIComponent(service)}&lookback=1h&limit=20`);
  if (res.status === 404 || res.status === 400) return []; // service not known to Jaeger yet
  if (!res.ok) throw new Error(`Jaeger query API: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
}

// Spans arrive in batches; wait until the whole request is there.
async function waitForTrace(service: string, minSpans: number, timeoutMs = 20_000): Promise<JaegerTrace[]> {
  const deadline = Date.now() + timeoutMs;
  let traces: JaegerTrace[] = [];
  while (Date.now() < deadline) {
    traces = await tracesOf(service);
    if (traces.reduce((n, t) => n + t.spans.length, 0) >= minSpans) return traces;
    await new Promise((r) => setTimeout(r, 500));
  }
  return traces;
}

function ancestors(span: JaegerSpan, byId: Map<string, JaegerSpan>): string[] {
  const chain: string[] = [];
  let current: JaegerSpan | undefined = span;
  while (current) {
    const parent: JaegerSpan['references'][number] | undefined = current.references.find(
      (r) => r.refType === 'CHILD_OF',
    );
    current = parent ? byId.get(parent.spanID) : undefined;
    if (current) chain.push(current.operationName);
  }
  return chain;
}

beforeAll(() => {
  // Build the libraries the probe loads (fast, incremental).
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'libs/telemetry/tsconfig.lib.json'], { cwd: ROOT });
}, 60_000);

describe('startTelemetry in a service process', () => {
  it('exports one trace per request to Jaeger: HTTP server, gRPC server and Kafka consumer spans under the root', async () => {
    const name = `telemetry-int-${process.pid}-${randomBytes(3).toString('hex')}`;
    const { stdout } = await promisify(execFile)(process.execPath, [PROBE, name, OTLP_GRPC], {
      cwd: ROOT,
      timeout: 30_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      traceId: string;
      kafkaTraceId: string;
      serviceName: string;
      idempotent: boolean;
      renameRejected: boolean;
    };
    const { traceId } = result;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The consumer saw the producer's trace in the message headers.
    expect(result.kafkaTraceId).toBe(traceId);
    expect(result).toMatchObject({ serviceName: `neuroforge-${name}`, idempotent: true, renameRejected: true });

    // root, HTTP client + server, gRPC client + server, Kafka producer + consumer
    const traces = await waitForTrace(`neuroforge-${name}`, 7);
    expect(traces.map((t) => t.traceID)).toEqual([traceId]);
    const [only] = traces as [JaegerTrace];
    const byId = new Map(only.spans.map((s) => [s.spanID, s]));

    const root = only.spans.find((s) => s.operationName === 'probe-request');
    expect(root?.references ?? []).toEqual([]);

    const servers = only.spans.filter((s) => tag(s, 'span.kind') === 'server');
    const httpServer = servers.find((s) => s.tags.some((t) => t.key.startsWith('http.')));
    const grpcServer = servers.find((s) => tag(s, 'rpc.system') === 'grpc');
    const kafkaConsumer = only.spans.find((s) => tag(s, 'span.kind') === 'consumer');
    expect(httpServer, 'HTTP server span').toBeDefined();
    expect(grpcServer, 'gRPC server span').toBeDefined();
    expect(grpcServer?.operationName).toContain('neuroforge.probe.v1.Probe/Ping');
    expect(ancestors(httpServer as JaegerSpan, byId)).toContain('probe-request');
    expect(ancestors(grpcServer as JaegerSpan, byId)).toContain('probe-request');
    expect(kafkaConsumer, 'Kafka consumer span').toBeDefined();
    expect(ancestors(kafkaConsumer as JaegerSpan, byId)).toContain('probe-request');
  }, 60_000);
});
