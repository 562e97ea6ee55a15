// The training service's use cases, adapters, worker pool and gRPC controller. `forRoot()` takes overrides for
// tests (topic, pool timings, registry address, python); everything else comes from the service configuration.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { grpcAddress, type NeuroForgeConfig } from '@neuroforge/config';
import {
  eventSourcingProviders,
  GRPC_ERROR_MAPPING,
  MONGO_CONNECTION,
  mongoDb,
  OUTBOX_RELAY,
  SERVICE_CONFIG,
} from '@neuroforge/service-kit';
import type { Connection } from 'mongoose';
import { DatasetRepository } from './application/dataset.repository';
import { JobRepository } from './application/job.repository';
import { JobSignals } from './application/job-signals';
import { DATASET_STORAGE } from './application/ports/dataset-storage.port';
import { JOB_LEASES } from './application/ports/job-leases.port';
import { OUTBOX_SIGNAL, TRAINING_EVENT_STORE } from './application/ports/job-store.port';
import { JOB_WORKSPACE } from './application/ports/job-workspace.port';
import { JOBS_VIEW } from './application/ports/jobs-view.port';
import { MODEL_REGISTRY } from './application/ports/model-registry.port';
import { WORKER_LAUNCHER } from './application/ports/worker-launcher.port';
import { RegisterDatasetHandler } from './application/register-dataset/register-dataset.handler';
import { RegisterResultHandler } from './application/register-result/register-result.handler';
import { TRAINING_DEFAULTS } from './application/start-job/start-job.command';
import { StartJobHandler } from './application/start-job/start-job.handler';
import { STOP_WAIT_MS, StopJobHandler } from './application/stop-job/stop-job.handler';
import { WatchJobHandler } from './application/watch-job/watch-job.handler';
import { POOL_SETTINGS, type PoolSettings } from './application/worker-pool/pool-settings';
import { WorkerPool } from './application/worker-pool/worker-pool';
import { TRAINING_CONTEXT } from './domain/job.events';
import { FilesystemDatasetStorage } from './infrastructure/filesystem-dataset-storage';
import { FilesystemJobWorkspace } from './infrastructure/filesystem-job-workspace';
import { GrpcModelRegistry } from './infrastructure/grpc-model-registry';
import { MongoJobLeases } from './infrastructure/mongo-job-leases';
import { MongoJobsView } from './infrastructure/mongo-jobs-view';
import { PythonWorkerLauncher } from './infrastructure/python-worker-launcher';
import { TRAINING_TOPIC } from './infrastructure/tokens';
import {
  COLLECTIONS,
  TRAINING_OPTIONS,
  type TrainingModuleOptions,
  trainingTopic,
} from './infrastructure/training-options';
import { TrainingRuntime } from './infrastructure/training-runtime';
import { TRAINING_GRPC_ERRORS } from './interface/grpc/grpc-errors';
import { TrainingGrpcController } from './interface/grpc/training.grpc.controller';

const SERVICE = 'training';

function artifactDir(config: NeuroForgeConfig): string {
  const dir = config.system.artifact_dir;
  return isAbsolute(dir) ? dir : resolve(dir);
}

function poolSettings(config: NeuroForgeConfig, options: TrainingModuleOptions): PoolSettings {
  const t = config.training;
  const device = config.system.device === 'webgpu' ? 'auto' : config.system.device;
  return {
    holderId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    workers: t.workers,
    leaseMs: t.lease_seconds * 1000,
    heartbeatMs: Math.min(t.heartbeat_seconds * 1000, Math.floor((t.lease_seconds * 1000) / 2)),
    maxRetries: t.max_attempts,
    pollMs: 500,
    progressIntervalMs: 1000,
    seqLenCap: 256,
    device,
    seed: config.system.seed,
    torchThreads: config.training.torch_threads,
    ...options.pool,
  };
}

function providers(options: TrainingModuleOptions): Provider[] {
  return [
    { provide: TRAINING_OPTIONS, useValue: options },
    { provide: TRAINING_TOPIC, useValue: trainingTopic(options) },
    ...eventSourcingProviders({
      service: SERVICE,
      context: TRAINING_CONTEXT,
      eventStore: TRAINING_EVENT_STORE,
      topic: TRAINING_TOPIC,
      collections: COLLECTIONS,
    }),
    { provide: OUTBOX_SIGNAL, useExisting: OUTBOX_RELAY },
    {
      provide: JOBS_VIEW,
      inject: [MONGO_CONNECTION],
      useFactory: async (connection: Connection) => {
        const view = new MongoJobsView(mongoDb(connection).collection(COLLECTIONS.jobs) as never);
        await view.init();
        return view;
      },
    },
    { provide: POOL_SETTINGS, inject: [SERVICE_CONFIG], useFactory: (c: NeuroForgeConfig) => poolSettings(c, options) },
    {
      provide: JOB_LEASES,
      inject: [MONGO_CONNECTION, POOL_SETTINGS],
      useFactory: (connection: Connection, settings: PoolSettings) =>
        new MongoJobLeases(mongoDb(connection).collection(COLLECTIONS.jobLeases) as never, settings.leaseMs),
    },
    {
      provide: DATASET_STORAGE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => new FilesystemDatasetStorage(artifactDir(config)),
    },
    {
      provide: JOB_WORKSPACE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => new FilesystemJobWorkspace(artifactDir(config)),
    },
    {
      provide: MODEL_REGISTRY,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) =>
        new GrpcModelRegistry(options.registryAddress ?? grpcAddress(config, 'model-registry')),
    },
    {
      provide: WORKER_LAUNCHER,
      inject: [SERVICE_CONFIG, POOL_SETTINGS],
      useFactory: (config: NeuroForgeConfig, settings: PoolSettings) => {
        // `python3` (the default) means "the project's worker venv", created on the first job if needed.
        const configured = config.training.python === 'python3' ? undefined : config.training.python;
        return new PythonWorkerLauncher(options.python ?? configured, settings.torchThreads);
      },
    },
    {
      provide: TRAINING_DEFAULTS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => ({ training: config.training, model: config.model }),
    },
    { provide: STOP_WAIT_MS, useValue: options.stopWaitMs ?? 15_000 },
  ];
}

const USE_CASES = [
  JobSignals,
  JobRepository,
  DatasetRepository,
  StartJobHandler,
  StopJobHandler,
  WatchJobHandler,
  RegisterDatasetHandler,
  RegisterResultHandler,
  WorkerPool,
];

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot.
export class TrainingModule {
  static forRoot(options: TrainingModuleOptions = {}): DynamicModule {
    return {
      module: TrainingModule,
      controllers: [TrainingGrpcController],
      providers: [
        ...providers(options),
        ...USE_CASES,
        { provide: GRPC_ERROR_MAPPING, useValue: TRAINING_GRPC_ERRORS },
        TrainingRuntime,
      ],
      exports: [...USE_CASES, TRAINING_EVENT_STORE, JOBS_VIEW, MONGO_CONNECTION],
    };
  }
}
