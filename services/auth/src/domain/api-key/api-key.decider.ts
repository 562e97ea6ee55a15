// The ApiKey aggregate: created once with its scopes and expiry, revoked at most once (revoking again is a no-op).
import { assertNever, type Decider, DomainError } from '@neuroforge/events';
import { AuthErrorCode } from '../auth-errors';
import { fromTimestamp, toTimestamp } from '../timestamp';
import type { ApiKeyCommand } from './api-key.commands';
import type { ApiKeyEvent } from './api-key.events';

export interface ApiKeyFacts {
  apiKeyId: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: string[];
  /** ISO 8601, or null: never expires. */
  expiresAt: string | null;
}

export type ApiKeyState = { status: 'none' } | ({ status: 'active' | 'revoked' } & ApiKeyFacts);

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'create_api_key': {
        if (state.status !== 'none') throw new DomainError(AuthErrorCode.Conflict, 'API key id already used');
        const { expiresAt, ...facts } = command.data;
        return [{ type: 'api_key_created', data: { ...facts, expiresAt: expiresAt ? toTimestamp(expiresAt) : null } }];
      }
      case 'revoke_api_key': {
        if (state.status === 'none') throw new DomainError(AuthErrorCode.KeyNotFound, 'API key not found');
        if (state.status === 'revoked') return [];
        return [
          {
            type: 'api_key_revoked',
            data: { apiKeyId: state.apiKeyId, userId: state.userId, revokedByUserId: command.data.revokedByUserId },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'api_key_created': {
        const { apiKeyId, userId, name, prefix, scopes, expiresAt } = event.data;
        return {
          status: 'active',
          apiKeyId,
          userId,
          name,
          prefix,
          scopes: [...scopes],
          expiresAt: expiresAt ? fromTimestamp(expiresAt) : null,
        };
      }
      case 'api_key_revoked':
        return state.status === 'none' ? state : { ...state, status: 'revoked' };
      default:
        return assertNever(event);
    }
  },
};
