// Helpers for end-to-end tests that run services as processes. Not imported by production code.
export { grpcHealthStatus, reflectionServices } from './grpc-probes';
export { describeServiceLifecycle, type LifecycleExpectations } from './lifecycle-suite';
export { PrivateRedis } from './private-redis';
export { ensureBuilt, freePort, REPO_ROOT, type ServicePorts, ServiceProcess } from './service-process';
