// Imported first by main.ts: telemetry must start before the gRPC, HTTP, Kafka, Mongo and Redis clients load.
import { startServiceTelemetry } from '@neuroforge/service-kit/telemetry';

// The gateway's Redis commands are its per-request edge bookkeeping (one admission script, one token charge):
// a span each cost more CPU than they told, so they are traced only when gateway.trace_redis_commands asks.
startServiceTelemetry('gateway', (config) => ({ traceRedisCommands: config.gateway.trace_redis_commands }));
