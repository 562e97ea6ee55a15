import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { NeuroForgeConfig, ServiceName } from '@neuroforge/config';
import { Readiness } from './readiness/readiness';
import type { Logger } from './telemetry';

/** DI tokens for what the kit creates before Nest starts. `Readiness` is injected by its class. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');
export const SERVICE_NAME = Symbol('SERVICE_NAME');

export interface ServiceContext {
  name: ServiceName;
  config: NeuroForgeConfig;
  logger: Logger;
  readiness: Readiness;
}

/** Makes the service's configuration, logger and readiness injectable everywhere in the service. */
@Global()
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot.
export class ServiceKitModule {
  static forRoot(context: ServiceContext): DynamicModule {
    const providers = [
      { provide: SERVICE_CONFIG, useValue: context.config },
      { provide: SERVICE_LOGGER, useValue: context.logger },
      { provide: SERVICE_NAME, useValue: context.name },
      { provide: Readiness, useValue: context.readiness },
    ];
    return { module: ServiceKitModule, providers, exports: providers.map((p) => p.provide) };
  }
}
