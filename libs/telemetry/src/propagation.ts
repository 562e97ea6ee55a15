import { type Context, context, ROOT_CONTEXT, type TextMapGetter, type TextMapSetter, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C tracecontext + baggage: what every NeuroForge process speaks on HTTP, gRPC metadata and Kafka headers.
 * The SDK installs it globally; the helpers below use it directly so they also work where no SDK runs (tests,
 * tools).
 */
export const propagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

/** Kafka message headers as kafkajs types them. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

const kafkaSetter: TextMapSetter<KafkaHeaders> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const kafkaGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    // Header names arrive as written; W3C names are lower-case, so match case-insensitively.
    const name = Object.keys(carrier).find((k) => k.toLowerCase() === key);
    const raw = name === undefined ? undefined : carrier[name];
    const first = Array.isArray(raw) ? raw[0] : raw;
    return first === undefined ? undefined : first.toString();
  },
};

/** Writes `traceparent` (and `tracestate`, `baggage`) of `ctx` (default: the active context) into Kafka headers. */
export function injectTraceHeaders(headers: KafkaHeaders = {}, ctx: Context = context.active()): KafkaHeaders {
  propagator.inject(ctx, headers, kafkaSetter);
  return headers;
}

/**
 * The context carried by Kafka headers, on top of `base` (default: an empty context, since a consumed message
 * starts its own unit of work). Run the handler inside it: `context.with(extractTraceContext(h), handler)`.
 */
export function extractTraceContext(headers: KafkaHeaders | undefined, base: Context = ROOT_CONTEXT): Context {
  return headers ? propagator.extract(base, headers, kafkaGetter) : base;
}

/** The W3C `traceparent` of the active span, e.g. for a CloudEvents envelope; undefined outside a span. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, { set: (c, k, v) => Object.assign(c, { [k]: v }) });
  return carrier.traceparent;
}

/** trace_id / span_id of the active span, for logs and error responses; undefined outside a span. */
export function activeTraceIds(ctx: Context = context.active()): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpanContext(ctx);
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  return { trace_id: span.traceId, span_id: span.spanId };
}
