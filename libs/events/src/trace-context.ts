// W3C trace context across the event path: captured when an event is appended (so it is stored with the
// event), re-activated when the relay publishes it, and extracted again when a consumer handles it. Uses the
// globally registered propagator (the telemetry bootstrap registers W3C trace context).
import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';

export const TRACER_NAME = '@neuroforge/events';

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace context as W3C header values (empty when there is no active span or propagator). */
export function captureTraceContext(active: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const captured: TraceCarrier = {};
  if (carrier.traceparent) captured.traceparent = carrier.traceparent;
  if (carrier.tracestate) captured.tracestate = carrier.tracestate;
  return captured;
}

/** A context whose parent is the trace described by the carrier (ROOT_CONTEXT's children when there is none). */
export function contextFromCarrier(carrier: Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => c[key],
    keys: (c) => Object.keys(c),
  });
}

/** Writes the context's trace headers (`traceparent`, `tracestate`) into Kafka message headers. */
export function injectIntoHeaders(ctx: Context, headers: Record<string, string>): void {
  propagation.inject(ctx, headers);
}

/** Starts a span of the given kind as a child of `parent`; returns it with the context that makes it active. */
export function startSpan(name: string, kind: SpanKind, parent: Context): { span: Span; ctx: Context } {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}
