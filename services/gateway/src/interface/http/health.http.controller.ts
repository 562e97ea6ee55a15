import { Controller } from '@nestjs/common';
import { HealthController } from '@neuroforge/service-kit';
import { Public } from '../../edge/route-policy';

/** The kit's `/health/live` and `/health/ready` on :8000, open to probes without credentials. */
@Public()
@Controller('health')
export class GatewayHealthHttpController extends HealthController {}
