import { Controller, Get, Inject } from '@nestjs/common';
import {
  GetSystemHealthHandler,
  type SystemHealth,
} from '../../application/get-system-health/get-system-health.handler';

@Controller('api/v1/system')
export class SystemHealthHttpController {
  constructor(@Inject(GetSystemHealthHandler) private readonly handler: GetSystemHealthHandler) {}

  /** Every service's readiness in one answer (always 200: the body says which services are not ready). */
  @Get('health')
  health(): Promise<SystemHealth> {
    return this.handler.execute();
  }
}
