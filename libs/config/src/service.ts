import type { NeuroForgeConfig, ServiceEndpoints, ServiceKey } from './schema';

export type ServiceName = 'gateway' | 'auth' | 'model-registry' | 'inference' | 'training' | 'embeddings';

export const SERVICE_NAMES: readonly ServiceName[] = [
  'gateway',
  'auth',
  'model-registry',
  'inference',
  'training',
  'embeddings',
];

/** The `services` key of a service: config keys are snake_case (`model_registry`), service names kebab-case. */
export function serviceKey(name: ServiceName): ServiceKey {
  return name.replace(/-/g, '_') as ServiceKey;
}

/** Where a service listens: host, grpc_port (0: none), http_port, metrics_port. */
export function serviceConfig(cfg: NeuroForgeConfig, name: ServiceName): ServiceEndpoints {
  const endpoints = cfg.services[serviceKey(name)];
  if (!endpoints) throw new Error(`unknown service ${JSON.stringify(name)}; known: ${SERVICE_NAMES.join(', ')}`);
  return { ...endpoints };
}

/** host:port for gRPC clients of a service. */
export function grpcAddress(cfg: NeuroForgeConfig, name: ServiceName): string {
  const s = serviceConfig(cfg, name);
  if (s.grpc_port === 0)
    throw new Error(`service ${name} has no gRPC port (services.${serviceKey(name)}.grpc_port = 0)`);
  return `${s.host}:${s.grpc_port}`;
}
