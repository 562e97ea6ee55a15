import { Module } from '@nestjs/common';
import { HealthController } from '@neuroforge/service-kit';
import { GetSystemHealthHandler } from './application/get-system-health/get-system-health.handler';
import { SERVICE_READINESS_PORT } from './application/get-system-health/service-readiness.port';
import { HttpServiceReadinessAdapter } from './infrastructure/http-service-readiness.adapter';
import { SystemHealthHttpController } from './interface/http/system-health.http.controller';

@Module({
  controllers: [HealthController, SystemHealthHttpController],
  providers: [GetSystemHealthHandler, { provide: SERVICE_READINESS_PORT, useClass: HttpServiceReadinessAdapter }],
})
export class AppModule {}
