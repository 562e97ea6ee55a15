import type { ServiceDefinition } from '@neuroforge/service-kit';
import { AppModule } from './app.module';
import { configureGatewayHttp } from './edge/configure-http';

/** The gateway as the service kit runs it (main.ts; the integration tests run the same definition in-process). */
export const GATEWAY_SERVICE: ServiceDefinition = {
  name: 'gateway',
  module: AppModule,
  dependencies: ['redis'],
  http: true,
  configureHttp: configureGatewayHttp,
};
