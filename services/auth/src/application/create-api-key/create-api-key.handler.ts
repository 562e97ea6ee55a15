import { Inject, Injectable } from '@nestjs/common';
import { scopesBeyondRole } from '@neuroforge/auth-policy';
import { DomainError, type EventStore, handleCommand } from '@neuroforge/events';
import { apiKeyDecider } from '../../domain/api-key/api-key.decider';
import { apiKeyStreamId } from '../../domain/api-key/api-key.events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { API_KEY_STORE, type ApiKeyStore, type ApiKeyView } from '../ports/api-key-store.port';
import { EVENT_STORE, OUTBOX, type Outbox } from '../ports/event-store.port';
import { USER_ACCOUNTS, type UserAccounts } from '../ports/user-accounts.port';
import { type Principal, requireOwnerOrAdmin } from '../shared/principal';
import { newApiKeySecret } from '../verify-api-key/api-key-secret';
import type { CreateApiKeyCommand } from './create-api-key.command';

const DAY_MS = 86_400_000;

@Injectable()
export class CreateApiKeyHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(API_KEY_STORE) private readonly keys: ApiKeyStore,
    @Inject(USER_ACCOUNTS) private readonly users: UserAccounts,
  ) {}

  async execute(caller: Principal, command: CreateApiKeyCommand): Promise<{ apiKey: ApiKeyView; secret: string }> {
    const ownerId = command.userId || caller.userId;
    requireOwnerOrAdmin(caller, ownerId, 'api_keys:manage');
    const owner = await this.users.view(ownerId);
    if (!owner) throw new DomainError(AuthErrorCode.UserNotFound, 'user not found');
    // A key never grants more than its owner's role, nor more than the credential that created it.
    const beyond = scopesBeyondRole(owner.role, command.scopes);
    const beyondCaller =
      caller.scopes.length === 0
        ? []
        : command.scopes.length === 0
          ? ['(all)']
          : command.scopes.filter((s) => !caller.scopes.includes(s));
    if (beyond.length > 0 || beyondCaller.length > 0) {
      throw new DomainError(AuthErrorCode.ScopeNotAllowed, 'scopes exceed what the owner or caller may grant', {
        fieldViolations: [
          {
            field: 'scopes',
            description: `not grantable here: ${[...new Set([...beyond, ...beyondCaller])].join(', ')}`,
          },
        ],
      });
    }
    const now = new Date();
    const expiresAt = command.expiresInDays > 0 ? new Date(now.getTime() + command.expiresInDays * DAY_MS) : null;
    const { apiKeyId, secret, prefix, secretHash } = newApiKeySecret();
    // 1. The hash first: a key whose event exists but whose hash does not would be listed yet unusable.
    await this.keys.saveSecret(apiKeyId, ownerId, secretHash);
    await handleCommand(this.store, apiKeyDecider, apiKeyStreamId(apiKeyId), {
      type: 'create_api_key',
      data: {
        apiKeyId,
        userId: ownerId,
        name: command.name,
        prefix,
        scopes: command.scopes,
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    });
    this.outbox.nudge();
    const apiKey: ApiKeyView = {
      apiKeyId,
      userId: ownerId,
      name: command.name,
      prefix,
      scopes: command.scopes,
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revoked: false,
    };
    await this.keys.saveView(apiKey);
    return { apiKey, secret };
  }
}
