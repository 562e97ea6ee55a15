import { Inject, Injectable } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import type Redis from 'ioredis';
import { GatewayRedis } from './redis.provider';

// Fixed windows that start at a subject's first request: INCR the request counter (setting its expiry when it
// is new) and read the tokens counter, in one script, so concurrent gateways never lose a count. A window ends
// `rate_limit_window_seconds` after its first request; Retry-After is the time left in it.
const ADMIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
local tokensTtl = redis.call('PTTL', KEYS[2])
return {count, ttl, tokens, tokensTtl}
`;

const CHARGE = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return total
`;

export interface Admission {
  allowed: boolean;
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
export class RateLimiter {
  readonly windowMs: number;
  readonly requestLimit: number;
  readonly tokenLimit: number;
  private readonly prefix = 'neuroforge:gateway:rl:';

  private readonly scripts: Redis & {
    nfAdmit(requestKey: string, tokensKey: string, windowMs: string): Promise<[number, number, number, number]>;
    nfCharge(tokensKey: string, tokens: string, windowMs: string): Promise<number>;
  };

  constructor(@Inject(SERVICE_CONFIG) config: NeuroForgeConfig, @Inject(GatewayRedis) redis: GatewayRedis) {
    // Defined commands run by EVALSHA (the script body is sent once, not with every request).
    redis.client.defineCommand('nfAdmit', { numberOfKeys: 2, lua: ADMIT });
    redis.client.defineCommand('nfCharge', { numberOfKeys: 1, lua: CHARGE });
    this.scripts = redis.client as typeof this.scripts;
    const { rate_limit_per_minute, tokens_per_minute, rate_limit_window_seconds } = config.gateway;
    const scale = rate_limit_window_seconds / 60;
    this.windowMs = rate_limit_window_seconds * 1000;
    // 0 disables a limit; otherwise at least 1 per window, however short the window.
    this.requestLimit = rate_limit_per_minute === 0 ? 0 : Math.max(1, Math.round(rate_limit_per_minute * scale));
    this.tokenLimit = tokens_per_minute === 0 ? 0 : Math.max(1, Math.round(tokens_per_minute * scale));
  }

  /** Counts one request of `subject` and says whether it may proceed (`checkTokens`: also the token budget). */
  async admit(subject: string, checkTokens: boolean): Promise<Admission> {
    const [count, ttl, tokens, tokensTtl] = await this.scripts.nfAdmit(
      `${this.prefix}req:${subject}`,
      `${this.prefix}tok:${subject}`,
      String(this.windowMs),
    );
    const resetSeconds = Math.max(1, Math.ceil(ttl / 1000));
    const admission = {
      requestLimit: this.requestLimit,
      remaining: this.requestLimit === 0 ? Number.POSITIVE_INFINITY : Math.max(0, this.requestLimit - count),
      resetSeconds,
    };
    if (this.requestLimit > 0 && count > this.requestLimit) return { ...admission, allowed: false, limit: 'requests' };
    if (checkTokens && this.tokenLimit > 0 && tokens >= this.tokenLimit) {
      return { ...admission, allowed: false, limit: 'tokens', resetSeconds: Math.max(1, Math.ceil(tokensTtl / 1000)) };
    }
    return { ...admission, allowed: true };
  }

  /** Adds generated tokens to `subject`'s budget for the current tokens window. */
  async chargeTokens(subject: string, tokens: number): Promise<void> {
    if (this.tokenLimit === 0 || tokens <= 0) return;
    await this.scripts.nfCharge(`${this.prefix}tok:${subject}`, String(tokens), String(this.windowMs));
  }
}
