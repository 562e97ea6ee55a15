import 'reflect-metadata';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type NeuroForgeConfig, type ServiceName, serviceConfig } from '@neuroforge/config';
import { type DependencyName, dependencyChecks } from './checks';
import { GrpcContract, GrpcEndpoint } from './grpc/grpc-server';
import { OpsServer } from './http/ops-server';
import { ServiceKitModule } from './kit.module';
import { NestPinoLogger } from './nest-logger';
import { routeProcessWarnings } from './process-warnings';
import { Readiness } from './readiness/readiness';
import { exportReadinessMetrics } from './readiness/readiness-metrics';
import { watchParent } from './shutdown/orphan-watch';
import { onShutdownSignal, runShutdown, type ShutdownStep } from './shutdown/shutdown';
import { createLogger, type Logger, shutdownTelemetry } from './telemetry';
import { startServiceTelemetry } from './telemetry/preload';

export interface ServiceDefinition {
  name: ServiceName;
  /** The service's root Nest module. */
  module: Type<unknown>;
  /** What must answer before the service reports ready. */
  dependencies: readonly DependencyName[];
  /** The service's own gRPC contract; without one the gRPC port serves health and reflection alone. */
  grpc?: () => GrpcContract;
  /** Serve the module's HTTP controllers with Nest on Fastify on `http_port` (the gateway). */
  http?: boolean;
  /**
   * With `http`: runs after the Nest application is created and before it initialises and listens, the one place
   * where Fastify plugins, body parsers and hooks still apply to every route (the gateway's edge set-up).
   */
  configureHttp?: (app: NestFastifyApplication) => Promise<void> | void;
  /** How long in-flight gRPC calls get to finish on shutdown before they are cancelled. */
  drainTimeoutMs?: number;
}

export interface RunningService {
  config: NeuroForgeConfig;
  logger: Logger;
  readiness: Readiness;
  app: INestApplicationContext;
  ports: { grpc?: number; http?: number; metrics: number };
  /** Runs the whole shutdown sequence (what SIGTERM/SIGINT trigger). */
  shutdown(): Promise<void>;
}

class ServiceRootModule {}

/**
 * Starts a NeuroForge service:
 * 1. configuration and telemetry (see startServiceTelemetry), 2. logger, 3. dependency checks and readiness,
 * 4. the Nest application (gRPC with health + reflection, or HTTP on Fastify for the gateway), 5. the
 * operations port (/health/live, /health/ready, /metrics), 6. shutdown on SIGTERM/SIGINT.
 */
export async function bootstrapService(definition: ServiceDefinition): Promise<RunningService> {
  const { name } = definition;
  // Normally already done by the service's src/telemetry.ts, before the instrumented modules loaded.
  const config = startServiceTelemetry(name);
  const logger = createLogger(name, config);
  routeProcessWarnings(logger);
  const ports = serviceConfig(config, name);

  const checks = dependencyChecks(
    definition.dependencies,
    config.stack,
    `${config.stack.kafka_client_id}-${name}-readiness`,
  );
  const readiness = new Readiness(name, checks);
  exportReadinessMetrics(readiness);

  const root = {
    module: ServiceRootModule,
    imports: [ServiceKitModule.forRoot({ name, config, logger, readiness }), definition.module],
  };
  const nestLogger = new NestPinoLogger(logger);
  const grpc = definition.http && !definition.grpc ? undefined : new GrpcEndpoint(definition.grpc?.());
  const grpcUrl = `${ports.host}:${ports.grpc_port}`;

  let app: INestApplicationContext;
  if (definition.http) {
    const http = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), { logger: nestLogger });
    await definition.configureHttp?.(http);
    if (grpc && ports.grpc_port > 0) {
      http.connectMicroservice<MicroserviceOptions>(grpc.options(grpcUrl));
      await http.startAllMicroservices();
    }
    await http.listen(ports.http_port, ports.host);
    app = http;
  } else {
    if (!grpc) throw new Error(`${name}: a service without HTTP needs a gRPC port`);
    const micro = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
      ...grpc.options(grpcUrl),
      logger: nestLogger,
    });
    await micro.listen();
    app = micro;
  }

  const ops = new OpsServer(readiness);
  await ops.listen(ports.metrics_port, ports.host);

  readiness.onChange((report) => {
    grpc?.setServing(report.ready);
    const failed = report.dependencies.filter((d) => !d.ok).map((d) => `${d.name}: ${d.error}`);
    if (report.ready) logger.info({ readiness: report.status }, 'ready');
    else logger.warn({ readiness: report.status, failed }, 'not ready');
  });
  readiness.startMonitor();

  const drainTimeoutMs = definition.drainTimeoutMs ?? 5000;
  const steps: ShutdownStep[] = [
    { name: 'report-not-ready', timeoutMs: 500, run: async () => readiness.markShuttingDown() },
    { name: 'drain-grpc', timeoutMs: drainTimeoutMs + 500, run: async () => grpc?.drain(drainTimeoutMs) },
    { name: 'close-application', timeoutMs: drainTimeoutMs, run: () => app.close() },
    { name: 'close-dependency-checks', timeoutMs: 2000, run: () => readiness.close() },
    { name: 'close-ops-port', timeoutMs: 1000, run: () => ops.close() },
    { name: 'flush-telemetry', timeoutMs: 2000, run: () => shutdownTelemetry() },
  ];
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      logger.info('shutting down');
      const outcomes = await runShutdown(steps, (o) =>
        o.ok ? logger.info({ step: o.name, ms: o.ms }, 'shutdown step done') : logger.warn(o, 'shutdown step failed'),
      );
      logger.info({ ok: outcomes.every((o) => o.ok) }, 'stopped');
    })();
    return shuttingDown;
  };
  // The kit owns the signals (rather than app.enableShutdownHooks()) so that readiness drops and in-flight calls
  // drain before Nest's onModuleDestroy hooks close what those calls use; app.close() then runs the same hooks.
  onShutdownSignal(shutdown, { hardDeadlineMs: drainTimeoutMs * 2 + 6000 });
  // A service whose launcher died (a killed `npm start` or test run) stops instead of holding ports and connections.
  watchParent(() => {
    logger.warn('parent process is gone: shutting down');
    process.kill(process.pid, 'SIGTERM');
  });

  logger.info(
    {
      grpc: grpc ? grpcUrl : undefined,
      http: definition.http ? ports.http_port : undefined,
      metrics: ports.metrics_port,
    },
    'started',
  );
  return {
    config,
    logger,
    readiness,
    app,
    ports: {
      grpc: grpc ? ports.grpc_port : undefined,
      http: definition.http ? ports.http_port : undefined,
      metrics: ports.metrics_port,
    },
    shutdown,
  };
}

/** A service's main.ts in one call: start, or print why not and exit 1. */
export function runService(definition: ServiceDefinition): void {
  bootstrapService(definition).catch((error: unknown) => {
    process.stderr.write(
      `[${definition.name}] failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
