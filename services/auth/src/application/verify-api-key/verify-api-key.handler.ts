import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type EventStore, foldEvents } from '@neuroforge/events';
import { apiKeyDecider } from '../../domain/api-key/api-key.decider';
import { type ApiKeyEvent, apiKeyStreamId } from '../../domain/api-key/api-key.events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { API_KEY_STORE, type ApiKeyStore } from '../ports/api-key-store.port';
import { EVENT_STORE } from '../ports/event-store.port';
import { USER_ACCOUNTS, type UserAccounts } from '../ports/user-accounts.port';
import type { Principal } from '../shared/principal';
import { hashSecret, parseApiKey, sameHash } from './api-key-secret';

/**
 * Checks an API key. Revocation and expiry are read from the key's event stream on every call (two small
 * indexed reads, no cache), so a revoked key fails from the moment RevokeApiKey returns, on every replica.
 */
@Injectable()
export class VerifyApiKeyHandler {
  constructor(
    @Inject(API_KEY_STORE) private readonly keys: ApiKeyStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(USER_ACCOUNTS) private readonly users: UserAccounts,
  ) {}

  async execute(apiKey: string, now = new Date()): Promise<Principal> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) throw new DomainError(AuthErrorCode.KeyInvalid, 'API key invalid');
    const [stored, history] = await Promise.all([
      this.keys.secret(parsed.apiKeyId),
      this.store.readStream<ApiKeyEvent>(apiKeyStreamId(parsed.apiKeyId)),
    ]);
    if (!stored || !sameHash(stored.secretHash, hashSecret(apiKey))) {
      throw new DomainError(AuthErrorCode.KeyInvalid, 'API key invalid');
    }
    const state = foldEvents(
      apiKeyDecider,
      history.map((h) => h.event),
    );
    if (state.status === 'none') throw new DomainError(AuthErrorCode.KeyInvalid, 'API key invalid');
    if (state.status === 'revoked') throw new DomainError(AuthErrorCode.KeyRevoked, 'API key revoked');
    const expiresAt = state.expiresAt ? new Date(state.expiresAt) : null;
    if (expiresAt && expiresAt <= now) throw new DomainError(AuthErrorCode.KeyExpired, 'API key expired');
    const owner = await this.users.view(state.userId);
    if (!owner) throw new DomainError(AuthErrorCode.KeyInvalid, 'API key invalid');
    // Usage time is informative only: never let its write fail or slow the verification.
    this.keys.touch(state.apiKeyId, now).catch(() => undefined);
    return {
      userId: owner.userId,
      email: owner.email,
      role: owner.role,
      method: 'api_key',
      apiKeyId: state.apiKeyId,
      scopes: state.scopes,
      expiresAt,
    };
  }
}
