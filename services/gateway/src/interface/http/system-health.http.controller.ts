import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import type { inference } from '@neuroforge/contracts';
import { metricsText, SERVICE_CONFIG } from '@neuroforge/service-kit';
import { z } from 'zod';
import {
  GetSystemHealthHandler,
  type SystemHealth,
} from '../../application/get-system-health/get-system-health.handler';
import { toApiError } from '../../edge/error-envelope.filter';
import { Public } from '../../edge/route-policy';
import { ApiRoute } from '../../edge/validation';
import { Upstreams } from '../../infrastructure/grpc/upstreams';

const SystemHealthView = z.object({
  status: z.enum(['ok', 'degraded']),
  services: z.array(z.object({ name: z.string(), ready: z.boolean() }).loose()),
});

const SystemInfoView = z.object({
  gateway: z.object({
    version: z.string(),
    limits: z.object({
      rate_limit_per_minute: z.number(),
      tokens_per_minute: z.number(),
      rate_limit_window_seconds: z.number(),
      max_body_bytes: z.number(),
    }),
  }),
  inference: z
    .object({
      server_version: z.string(),
      available_providers: z.array(z.string()),
      models: z.array(z.record(z.string(), z.unknown())),
    })
    .nullable(),
  inference_error: z.record(z.string(), z.unknown()).optional(),
});

@Controller('api/v1/system')
export class SystemHealthHttpController {
  constructor(
    @Inject(GetSystemHealthHandler) private readonly handler: GetSystemHealthHandler,
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(SERVICE_CONFIG) private readonly config: NeuroForgeConfig,
  ) {}

  /** Every service's readiness in one answer (always 200: the body says which services are not ready). */
  @Get('health')
  @Public()
  @ApiRoute({ summary: 'Readiness of every service', tags: ['system'], response: SystemHealthView })
  health(): Promise<SystemHealth> {
    return this.handler.execute();
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiRoute({ summary: "The gateway's Prometheus metrics", tags: ['system'], produces: 'text/plain' })
  metrics(): Promise<string> {
    return metricsText();
  }

  @Get('info')
  @ApiRoute({
    summary: 'Gateway limits and the models the inference service has loaded',
    tags: ['system'],
    response: SystemInfoView,
  })
  async info(): Promise<z.infer<typeof SystemInfoView>> {
    const { rate_limit_per_minute, tokens_per_minute, rate_limit_window_seconds, max_body_bytes } = this.config.gateway;
    const gateway = {
      version: GATEWAY_VERSION,
      limits: { rate_limit_per_minute, tokens_per_minute, rate_limit_window_seconds, max_body_bytes },
    };
    try {
      const info = await this.upstreams.inference.unary<inference.InfoRequest, inference.InfoResponse>(
        'Info',
        {},
        { timeoutMs: 3000 },
      );
      return {
        gateway,
        inference: {
          server_version: info.serverVersion,
          available_providers: info.availableProviders,
          models: info.models.map((m) => ({
            name: m.name,
            version: m.version,
            aliases: m.aliases,
            architecture: String(m.architecture)
              .replace(/^ARCHITECTURE_/, '')
              .toLowerCase(),
            execution_provider: m.executionProvider,
            requested_provider: m.requestedProvider,
            weights_source: m.weightsSource,
            tokenizer: m.tokenizerId,
            status: String(m.status)
              .replace(/^MODEL_STATUS_/, '')
              .toLowerCase(),
            limits: m.limits,
          })),
        },
      };
    } catch (error) {
      // The gateway's own facts are still worth answering with while inference is down.
      return { gateway, inference: null, inference_error: toApiError(error).envelope().error };
    }
  }
}

export const GATEWAY_VERSION: string = (require('../../../package.json') as { version: string }).version;
