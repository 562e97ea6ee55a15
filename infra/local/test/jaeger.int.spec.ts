import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { describe, expect, it } from 'vitest';
import { uniqueName } from './unique';

interface JaegerSpan {
  operationName: string;
  tags: { key: string; value: unknown }[];
}
interface JaegerTraces {
  data: { traceID: string; spans: JaegerSpan[] }[];
}

async function findTraces(service: string, timeoutMs: number): Promise<JaegerTraces['data']> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(
      `http://127.0.0.1:16686/api/traces?service=${encodeURIComponent(service)}&lookback=1h&limit=20`,
    );
    if (response.ok) {
      const body = (await response.json()) as JaegerTraces;
      if (body.data?.length > 0) return body.data;
    }
    if (Date.now() > deadline) return [];
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('local Jaeger', () => {
  it('stores a span exported over OTLP gRPC and serves it from the query API', async () => {
    const service = uniqueName('nf-int-jaeger');
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: 'http://127.0.0.1:4317' }) })],
    });
    const span = provider.getTracer('neuroforge-stack-int').startSpan('stack.check', {
      kind: SpanKind.INTERNAL,
      attributes: { 'neuroforge.check': 'jaeger' },
    });
    span.end();
    await provider.forceFlush();
    await provider.shutdown();

    const traces = await findTraces(service, 15_000);

    expect(traces).toHaveLength(1);
    const stored = traces[0]?.spans[0];
    expect(stored?.operationName).toBe('stack.check');
    expect(stored?.tags).toContainEqual(expect.objectContaining({ key: 'neuroforge.check', value: 'jaeger' }));
    expect(traces[0]?.traceID).toBe(span.spanContext().traceId);
  }, 30_000);
});
