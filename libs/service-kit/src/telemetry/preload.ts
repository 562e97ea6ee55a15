import { ConfigError, loadConfig, type NeuroForgeConfig, type ServiceName } from '@neuroforge/config';
import { type StartTelemetryOptions, startTelemetry } from '@neuroforge/telemetry';

/** Per-service telemetry settings that startServiceTelemetry derives from the loaded configuration. */
export type TelemetryTuning = Pick<StartTelemetryOptions, 'traceRedisCommands'>;

// Loaded once by the preload and reused by bootstrapService, so both see the same configuration.
let loaded: { name: ServiceName; config: NeuroForgeConfig } | undefined;

/** Reads the configuration; an invalid value stops the process with a message naming the key (exit 1). */
function configOrExit(name: ServiceName): NeuroForgeConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`[${name}] configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Loads the configuration and starts OpenTelemetry. A service calls this from the first module its main.ts
 * imports (src/telemetry.ts), because instrumentation patches gRPC, HTTP, Kafka, Mongo and Redis clients as
 * they are loaded. Idempotent: bootstrapService calls it again and gets the same configuration. `tune` picks
 * per-service settings (such as the gateway leaving its Redis commands untraced) from that configuration.
 */
export function startServiceTelemetry(
  name: ServiceName,
  tune?: (config: NeuroForgeConfig) => TelemetryTuning,
): NeuroForgeConfig {
  if (loaded) return loaded.config;
  const config = configOrExit(name);
  startTelemetry({ serviceName: name, config, ...tune?.(config) });
  loaded = { name, config };
  return config;
}
