import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type EventStore, foldEvents, handleCommand } from '@neuroforge/events';
import { apiKeyDecider } from '../../domain/api-key/api-key.decider';
import { type ApiKeyEvent, apiKeyStreamId } from '../../domain/api-key/api-key.events';
import { AuthErrorCode } from '../../domain/auth-errors';
import type { ApiKeyView } from '../ports/api-key-store.port';
import { API_KEY_STORE, type ApiKeyStore } from '../ports/api-key-store.port';
import { EVENT_STORE, OUTBOX, type Outbox } from '../ports/event-store.port';
import { type Principal, requireOwnerOrAdmin } from '../shared/principal';

@Injectable()
export class RevokeApiKeyHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(API_KEY_STORE) private readonly keys: ApiKeyStore,
  ) {}

  async execute(caller: Principal, apiKeyId: string): Promise<ApiKeyView> {
    const history = await this.store.readStream<ApiKeyEvent>(apiKeyStreamId(apiKeyId));
    const current = foldEvents(
      apiKeyDecider,
      history.map((h) => h.event),
    );
    if (current.status === 'none') throw new DomainError(AuthErrorCode.KeyNotFound, 'API key not found');
    requireOwnerOrAdmin(caller, current.userId, 'api_keys:manage');
    // The event is the revocation: VerifyApiKey reads the stream, so the key fails from here on.
    await handleCommand(this.store, apiKeyDecider, apiKeyStreamId(apiKeyId), {
      type: 'revoke_api_key',
      data: { revokedByUserId: caller.userId },
    });
    this.outbox.nudge();
    await this.keys.markRevoked(apiKeyId);
    const created = history[0].envelope.time;
    const listed = await this.keys.view(apiKeyId);
    return (
      listed ?? {
        apiKeyId,
        userId: current.userId,
        name: current.name,
        prefix: current.prefix,
        scopes: current.scopes,
        createdAt: new Date(created),
        expiresAt: current.expiresAt ? new Date(current.expiresAt) : null,
        lastUsedAt: null,
        revoked: true,
      }
    );
  }
}
