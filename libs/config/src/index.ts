// @neuroforge/config: env (NEUROFORGE_<SECTION>__<KEY>) > config.yaml > defaults, validated at start-up.
export { ConfigError, type ConfigIssue, formatIssue } from './errors';
export type { Leaf, LeafKind, Tree } from './fields';
export { defaultConfig, type LoadConfigOptions, loadConfig } from './load';
export { configTree, type NeuroForgeConfig, type ServiceEndpoints, type ServiceKey } from './schema';
export { grpcAddress, SERVICE_NAMES, type ServiceName, serviceConfig, serviceKey } from './service';
export { envVarName, leaves } from './tree-walk';
export { configSchema, crossChecks } from './validate';
