import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Logger } from '@neuroforge/service-kit';
import { SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../infrastructure/redis/rate-limiter';
import { ApiError } from './api-error';
import { tokenRevoked } from './credential-verifier';
import type { Principal } from './principal';
import { CHARGES_TOKENS } from './route-policy';

/** The subject a request is counted against: its API key, else its user, else (anonymous routes) its IP. */
export function rateLimitSubject(principal: Principal | undefined, ip: string): string {
  if (!principal) return `ip:${ip}`;
  return principal.method === 'api_key' ? `key:${principal.credentialId}` : `user:${principal.userId}`;
}

/**
 * Admits or refuses a request by the Redis rate limits; runs after AuthGuard so it knows the principal, and checks
 * the revocation marks AuthGuard left on the request in the same script (revoked: 401, and nothing is counted).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const chargesTokens = this.reflector.getAllAndOverride<boolean>(CHARGES_TOKENS, [
      context.getHandler(),
      context.getClass(),
    ]);
    await enforceRateLimit(
      this.limiter,
      this.logger,
      rateLimitSubject(request.principal, request.ip),
      !!chargesTokens,
      (k, v) => reply.header(k, v),
      request.revocationKeys,
    );
    return true;
  }
}

/**
 * Counts one request and throws 429 (with Retry-After) when a limit is reached, or 401 when one of
 * `revocationKeys` exists (then nothing is counted). When Redis cannot answer, the request is let through and the
 * failure logged: the limits protect capacity, and the revocation marks are checked on top of a valid signature,
 * as they always were when Redis is away.
 */
export async function enforceRateLimit(
  limiter: RateLimiter,
  logger: Logger,
  subject: string,
  chargesTokens: boolean,
  setHeader: (name: string, value: string) => void,
  revocationKeys: readonly string[] = [],
): Promise<void> {
  let admission: Awaited<ReturnType<RateLimiter['admit']>>;
  try {
    admission = await limiter.admit(subject, chargesTokens, revocationKeys);
  } catch (error) {
    logger.warn({ err: error, subject }, 'rate limit check failed; request admitted');
    return;
  }
  if (admission.revoked) throw tokenRevoked();
  if (admission.requestLimit > 0) {
    setHeader('x-ratelimit-limit', String(admission.requestLimit));
    setHeader('x-ratelimit-remaining', String(admission.remaining));
    setHeader('x-ratelimit-reset', String(admission.resetSeconds));
  }
  if (admission.allowed) return;
  const tokens = admission.limit === 'tokens';
  throw new ApiError(
    429,
    tokens ? 'RATE_LIMIT.TOKENS' : 'RATE_LIMIT.REQUESTS',
    tokens
      ? `Token budget of ${limiter.tokenLimit} generated tokens per ${limiter.windowMs / 1000} s used up; retry after ${admission.resetSeconds} s.`
      : `Limit of ${limiter.requestLimit} requests per ${limiter.windowMs / 1000} s reached; retry after ${admission.resetSeconds} s.`,
    {
      limit: tokens ? limiter.tokenLimit : limiter.requestLimit,
      window_seconds: limiter.windowMs / 1000,
      retry_after_seconds: admission.resetSeconds,
    },
    { 'retry-after': String(admission.resetSeconds) },
  );
}
