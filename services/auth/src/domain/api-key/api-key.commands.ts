import type { Command } from '@neuroforge/events';

export type CreateApiKey = Command<
  'create_api_key',
  {
    apiKeyId: string;
    userId: string;
    name: string;
    prefix: string;
    scopes: string[];
    /** ISO 8601, or null for a key that never expires. */
    expiresAt: string | null;
  }
>;
export type RevokeApiKey = Command<'revoke_api_key', { revokedByUserId: string }>;
export type ApiKeyCommand = CreateApiKey | RevokeApiKey;
