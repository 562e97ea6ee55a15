import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GenerationService } from './application/generation/generation.service';
import { GetSystemHealthHandler } from './application/get-system-health/get-system-health.handler';
import { SERVICE_READINESS_PORT } from './application/get-system-health/service-readiness.port';
import { TRAINING_JOB_READER } from './application/watch-training/training-job-reader.port';
import {
  DEFAULT_RECONCILE_INTERVAL_MS,
  RECONCILE_INTERVAL_MS,
  TrainingProgressHub,
} from './application/watch-training/training-progress.hub';
import { TrainingWatcher } from './application/watch-training/training-watch';
import { AuthGuard } from './edge/auth.guard';
import { CredentialVerifier } from './edge/credential-verifier';
import { ErrorEnvelopeFilter } from './edge/error-envelope.filter';
import { RateLimitGuard } from './edge/rate-limit.guard';
import { RouteTable } from './edge/route-table';
import { GrpcTrainingJobReader } from './infrastructure/grpc/grpc-training-job-reader';
import { Upstreams } from './infrastructure/grpc/upstreams';
import { HttpServiceReadinessAdapter } from './infrastructure/http-service-readiness.adapter';
import { RateLimiter } from './infrastructure/redis/rate-limiter';
import { GatewayRedis } from './infrastructure/redis/redis.provider';
import { GATEWAY_CONTROLLERS } from './interface/http/controllers';
import { DocsHttpController } from './interface/http/docs.http.controller';
import { GatewayHealthHttpController } from './interface/http/health.http.controller';
import { TrainingEventsConsumer } from './interface/kafka/training-events.consumer';
import { ChatWsHandler } from './interface/ws/chat.ws.handler';
import { OpenApiDocument } from './openapi/openapi.provider';

@Module({
  controllers: [GatewayHealthHttpController, DocsHttpController, ...GATEWAY_CONTROLLERS],
  providers: [
    GetSystemHealthHandler,
    { provide: SERVICE_READINESS_PORT, useClass: HttpServiceReadinessAdapter },
    Upstreams,
    GatewayRedis,
    RateLimiter,
    CredentialVerifier,
    GenerationService,
    ChatWsHandler,
    { provide: TRAINING_JOB_READER, useClass: GrpcTrainingJobReader },
    { provide: RECONCILE_INTERVAL_MS, useValue: DEFAULT_RECONCILE_INTERVAL_MS },
    TrainingProgressHub,
    TrainingWatcher,
    TrainingEventsConsumer,
    OpenApiDocument,
    RouteTable,
    ErrorEnvelopeFilter,
    // Order matters: authentication first (it sets the principal), then the rate limit keyed on it.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class AppModule {}
