// Imported first by main.ts: telemetry must start before the gRPC, HTTP, Kafka, Mongo and Redis clients load.
import { startServiceTelemetry } from '@neuroforge/service-kit/telemetry';

startServiceTelemetry('inference');
