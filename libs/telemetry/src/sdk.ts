import type { NeuroForgeConfig } from '@neuroforge/config';
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { setMetricsService, startDefaultMetrics } from './metrics';
import { propagator } from './propagation';
import { qualifiedServiceName, setTelemetryServiceName } from './sdk-state';

export interface StartTelemetryOptions {
  /** The service (`inference`, `model-registry`, ...); service.name becomes `neuroforge-<service>`. */
  serviceName: string;
  config: NeuroForgeConfig;
  /**
   * A span for every ioredis command (default true). A service whose Redis commands are per-request bookkeeping
   * (the gateway's revocation and rate-limit checks) can turn this off: the ioredis module is then left unpatched,
   * so its commands cost no span, attributes or context lookups, and its HTTP and gRPC spans still make the trace.
   */
  traceRedisCommands?: boolean;
}

export interface TelemetryHandle {
  /** service.name on spans and the `service` label on metrics, e.g. `neuroforge-inference`. */
  readonly serviceName: string;
  /** Whether spans are exported (stack.tracing_enabled). */
  readonly exporting: boolean;
}

// HTTP requests that are probes, not user work: tracing them would bury real traces in Jaeger.
const UNTRACED_PATHS = /^\/(metrics|health\/(live|ready))(\?|$)/;

let started: { handle: TelemetryHandle; sdk: NodeSDK } | undefined;
let shuttingDown: Promise<void> | undefined;

/**
 * Starts OpenTelemetry for this process: W3C tracecontext + baggage propagation; spans for incoming and
 * outgoing HTTP (Fastify included), gRPC (context in metadata), kafkajs (context in headers), mongoose/mongodb
 * and ioredis; OTLP/gRPC export to stack.otlp_endpoint; default Prometheus process metrics.
 *
 * Synchronous and idempotent, so a service's first import can be a file that calls it: instrumentation
 * patches modules as they load, so it must run before http, @grpc/grpc-js, kafkajs, mongoose or ioredis are
 * imported. A second call for the same service returns the first handle.
 */
export function startTelemetry(options: StartTelemetryOptions): TelemetryHandle {
  const { serviceName, config } = options;
  const name = qualifiedServiceName(serviceName);
  if (started) {
    if (started.handle.serviceName !== name) {
      throw new Error(`telemetry already started for ${started.handle.serviceName}; cannot restart it as ${name}`);
    }
    return started.handle;
  }
  if (process.env.OTEL_LOG_LEVEL === undefined) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

  const { stack, system } = config;
  // With export off, spans are still made (trace ids reach logs and downstream services) but go nowhere.
  const spanProcessor: SpanProcessor = stack.tracing_enabled
    ? new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: stack.otlp_endpoint, timeoutMillis: 5000 }),
        scheduledDelayMillis: 1000,
      })
    : new NoopSpanProcessor();

  const sdk = new NodeSDK({
    serviceName: name,
    resource: resourceFromAttributes({
      'service.namespace': 'neuroforge',
      'deployment.environment.name': system.environment,
    }),
    textMapPropagator: propagator,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(stack.trace_sample_ratio) }),
    spanProcessors: [spanProcessor],
    // Explicitly empty: otherwise the SDK builds OTLP metric and log exporters from OTEL_* defaults.
    // Metrics are Prometheus (prom-client); logs are JSON on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: instrumentationsFor(options),
  });
  sdk.start();

  setTelemetryServiceName(name);
  setMetricsService(name);
  startDefaultMetrics();
  started = { sdk, handle: { serviceName: name, exporting: stack.tracing_enabled } };
  return started.handle;
}

/** The instrumentations startTelemetry registers for these options (exported for its tests). */
export function instrumentationsFor(
  options: Pick<StartTelemetryOptions, 'traceRedisCommands'>,
): NonNullable<NodeSDKConfiguration['instrumentations']> {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
    }),
    new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch', 'ServerReflectionInfo'] }),
    new KafkaJsInstrumentation(),
    new MongooseInstrumentation(),
    new MongoDBInstrumentation(),
    ...(options.traceRedisCommands === false ? [] : [new IORedisInstrumentation()]),
    // No pino instrumentation: createLogger's mixin already adds trace_id/span_id whatever the import order,
    // and the instrumentation would add them a second time.
  ];
}

/** Flushes buffered spans and stops the SDK (call on SIGTERM, last). Safe to call more than once. */
export function shutdownTelemetry(): Promise<void> {
  if (!started) return Promise.resolve();
  shuttingDown ??= started.sdk.shutdown().catch((err: unknown) => {
    diag.warn(`telemetry shutdown: ${String(err)}`);
  });
  return shuttingDown;
}

/** The running telemetry, if startTelemetry was called in this process. */
export function telemetryHandle(): TelemetryHandle | undefined {
  return started?.handle;
}
