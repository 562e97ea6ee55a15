import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { activeTraceIds, currentTraceparent, extractTraceContext, injectTraceHeaders } from './propagation';

const spanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

describe('Kafka trace headers', () => {
  it('inject then extract keeps the trace id, span id and sampling', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, spanContext);
    const headers = injectTraceHeaders({ 'content-type': 'application/json' }, ctx);
    expect(headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(headers['content-type']).toBe('application/json');

    // Kafka hands headers back as Buffers.
    const received = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(String(v))]));
    const extracted = trace.getSpanContext(extractTraceContext(received));
    expect(extracted).toMatchObject({ ...spanContext, isRemote: true });
  });

  it('carries baggage', () => {
    const bag = propagation.createBaggage({ tenant: { value: 'acme' } });
    const ctx = propagation.setBaggage(trace.setSpanContext(ROOT_CONTEXT, spanContext), bag);
    const headers = injectTraceHeaders({}, ctx);
    expect(propagation.getBaggage(extractTraceContext(headers))?.getEntry('tenant')?.value).toBe('acme');
  });

  it('matches header names case-insensitively and accepts arrays', () => {
    const headers = { TraceParent: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'] };
    expect(trace.getSpanContext(extractTraceContext(headers))?.traceId).toBe(spanContext.traceId);
  });

  it('extracting nothing, or garbage, yields no span context', () => {
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'not-a-traceparent' }))).toBeUndefined();
  });

  it('injects nothing outside a span', () => {
    expect(injectTraceHeaders({}, ROOT_CONTEXT)).toEqual({});
  });
});

describe('active trace ids', () => {
  it('reads trace_id/span_id and traceparent from a context', () => {
    const ctx = trace.setSpanContext(context.active(), spanContext);
    expect(activeTraceIds(ctx)).toEqual({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(currentTraceparent(ctx)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(activeTraceIds(ROOT_CONTEXT)).toBeUndefined();
    expect(currentTraceparent(ROOT_CONTEXT)).toBeUndefined();
  });
});
