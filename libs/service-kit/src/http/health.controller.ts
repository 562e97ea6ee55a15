import { Controller, Get, Inject, Res } from '@nestjs/common';
import { Readiness } from '../readiness/readiness';
import { liveness, readinessResponse } from './health-responses';

/** The part of an HTTP reply this controller uses; Fastify's and Express's replies both have it. */
interface Reply {
  status(code: number): { send(body: unknown): unknown };
}

/** `/health/live` and `/health/ready` on a service's public HTTP port (the gateway's :8000). */
@Controller('health')
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  @Get('live')
  live(@Res() reply: Reply): void {
    const { statusCode, body } = liveness(this.readiness.service);
    reply.status(statusCode).send(body);
  }

  @Get('ready')
  async ready(@Res() reply: Reply): Promise<void> {
    const { statusCode, body } = readinessResponse(await this.readiness.evaluate());
    reply.status(statusCode).send(body);
  }
}
