// Helpers for integration and end-to-end tests of services. Not imported by production code.
export { eventually } from './eventually';
export { grpcHealthStatus, reflectionServices } from './grpc-probes';
export { GrpcTestClient } from './grpc-test-client';
export { describeServiceLifecycle, type LifecycleExpectations } from './lifecycle-suite';
export { dropMongoDatabase } from './mongo-database';
export { PrivateRedis } from './private-redis';
export { ensureBuilt, freePort, REPO_ROOT, type ServicePorts, ServiceProcess } from './service-process';
