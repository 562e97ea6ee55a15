import { AUTH_REDIS_PREFIX } from '@neuroforge/auth-policy';
import { TOPICS } from '@neuroforge/contracts';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** What a deployment fixes and tests vary: where revocations live in Redis and which topic gets the events. */
export interface AuthOptions {
  redisPrefix: string;
  topic: string;
}

export const DEFAULT_AUTH_OPTIONS: AuthOptions = { redisPrefix: AUTH_REDIS_PREFIX, topic: TOPICS.auth };
