import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import type Redis from 'ioredis';
import { GatewayRedis } from './redis.provider';

// The one Redis round trip of an authenticated request: the revocation marks auth keeps (KEYS[3..], none for
// anonymous requests and API keys) and the rate-limit admission, in one script, so a revoked credential is refused
// at once and is never counted against a limit. Admission uses fixed windows that start at a subject's first
// request: INCR the request counter (setting its expiry when it is new) and read the tokens counter, atomically, so
// concurrent gateways never lose a count. A window ends `rate_limit_window_seconds` after its first request;
// Retry-After is the time left in it. ARGV: window ms, request limit, token limit (0: that limit does not apply).
// Returns {outcome, request count, request window ms left, tokens window ms left}; outcome is 'revoked',
// 'requests' (request limit reached), 'tokens' (token budget spent) or 'admitted'.
const ADMIT = `
if #KEYS > 2 and redis.call('EXISTS', unpack(KEYS, 3)) > 0 then
  return {'revoked', 0, 0, 0}
end
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local requestLimit = tonumber(ARGV[2])
if requestLimit > 0 and count > requestLimit then
  return {'requests', count, ttl, 0}
end
local tokenLimit = tonumber(ARGV[3])
if tokenLimit > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= tokenLimit then
  return {'tokens', count, ttl, redis.call('PTTL', KEYS[2])}
end
return {'admitted', count, ttl, 0}
`;

const CHARGE = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return total
`;

/**
 * How long generated tokens wait to be added in Redis, so that the charges of all the requests that finish within
 * it go in one write (a Redis write per request was a tenth of the gateway's CPU). The token budget is per minute
 * (by default) and checked when a request starts, so a charge arriving this much later changes no answer that
 * matters.
 */
export const CHARGE_DELAY_MS = 20;

export interface Admission {
  allowed: boolean;
  /** A revocation mark exists for the credential: refuse with 401; nothing was counted. */
  revoked?: true;
  /** Which limit refused the request. */
  limit?: 'requests' | 'tokens';
  /** Requests allowed per window, and how many are left in the current one. */
  requestLimit: number;
  remaining: number;
  /** Seconds until the window that refused (or the request window) ends. */
  resetSeconds: number;
}

/** Requests and generated tokens per window per subject (an API key, a user, or an IP for anonymous routes). */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  readonly windowMs: number;
  readonly requestLimit: number;
  readonly tokenLimit: number;
  private readonly prefix = 'neuroforge:gateway:rl:';
  /** Tokens not yet added in Redis, per subject, and the flush that will add them. */
  private pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;

  private readonly scripts: Redis & {
    nfAdmit(
      numberOfKeys: number,
      ...keysThenArgs: string[]
    ): Promise<['revoked' | 'requests' | 'tokens' | 'admitted', number, number, number]>;
    nfCharge(tokensKey: string, tokens: string, windowMs: string): Promise<number>;
  };

  constructor(@Inject(SERVICE_CONFIG) config: NeuroForgeConfig, @Inject(GatewayRedis) redis: GatewayRedis) {
    // Defined commands run by EVALSHA (the script body is sent once, not with every request); ioredis sends the
    // body again with EVAL when Redis answers NOSCRIPT (a restart or SCRIPT FLUSH), which loads it for next time.
    // nfAdmit takes its key count first, since revocation keys vary.
    redis.client.defineCommand('nfAdmit', { lua: ADMIT });
    redis.client.defineCommand('nfCharge', { numberOfKeys: 1, lua: CHARGE });
    this.scripts = redis.client as typeof this.scripts;
    const { rate_limit_per_minute, tokens_per_minute, rate_limit_window_seconds } = config.gateway;
    const scale = rate_limit_window_seconds / 60;
    this.windowMs = rate_limit_window_seconds * 1000;
    // 0 disables a limit; otherwise at least 1 per window, however short the window.
    this.requestLimit = rate_limit_per_minute === 0 ? 0 : Math.max(1, Math.round(rate_limit_per_minute * scale));
    this.tokenLimit = tokens_per_minute === 0 ? 0 : Math.max(1, Math.round(tokens_per_minute * scale));
  }

  /**
   * Counts one request of `subject` and says whether it may proceed (`checkTokens`: also the token budget), unless
   * one of `revocationKeys` exists, in which case the credential is revoked and nothing is counted.
   */
  async admit(subject: string, checkTokens: boolean, revocationKeys: readonly string[] = []): Promise<Admission> {
    const [outcome, count, ttl, tokensTtl] = await this.scripts.nfAdmit(
      2 + revocationKeys.length,
      `${this.prefix}req:${subject}`,
      `${this.prefix}tok:${subject}`,
      ...revocationKeys,
      String(this.windowMs),
      String(this.requestLimit),
      String(checkTokens ? this.tokenLimit : 0),
    );
    const admission = {
      requestLimit: this.requestLimit,
      remaining: this.requestLimit === 0 ? Number.POSITIVE_INFINITY : Math.max(0, this.requestLimit - count),
      resetSeconds: Math.max(1, Math.ceil(ttl / 1000)),
    };
    switch (outcome) {
      case 'revoked':
        return { allowed: false, revoked: true, requestLimit: this.requestLimit, remaining: 0, resetSeconds: 0 };
      case 'requests':
        return { ...admission, allowed: false, limit: 'requests' };
      case 'tokens':
        return {
          ...admission,
          allowed: false,
          limit: 'tokens',
          resetSeconds: Math.max(1, Math.ceil(tokensTtl / 1000)),
        };
      default:
        return { ...admission, allowed: true };
    }
  }

  /**
   * Adds generated tokens to `subject`'s budget for the current tokens window. Charges are gathered for
   * CHARGE_DELAY_MS and sent together; the promise settles when this one is in Redis.
   */
  chargeTokens(subject: string, tokens: number): Promise<void> {
    if (this.tokenLimit === 0 || tokens <= 0) return Promise.resolve();
    this.pending.set(subject, (this.pending.get(subject) ?? 0) + tokens);
    this.flushing ??= new Promise<void>((resolve) => setTimeout(resolve, CHARGE_DELAY_MS)).then(() => this.flush());
    return this.flushing;
  }

  /** Waits for the pending charges to be sent (at shutdown, before the Redis connection closes). */
  async onModuleDestroy(): Promise<void> {
    await this.flushing?.catch(() => undefined);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = undefined;
    const window = String(this.windowMs);
    // Issued in one tick: ioredis auto-pipelining sends them in one write.
    await Promise.all(
      [...batch].map(([subject, tokens]) =>
        this.scripts.nfCharge(`${this.prefix}tok:${subject}`, String(tokens), window),
      ),
    );
  }
}
