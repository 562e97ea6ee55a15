// Events of the ApiKey aggregate (stream `apikey-<apiKeyId>`). The secret and its hash never enter the stream.
import type { authEvents } from '@neuroforge/contracts';
import type { Event } from '@neuroforge/events';

export type ApiKeyCreated = Event<'api_key_created', authEvents.ApiKeyCreated>;
export type ApiKeyRevoked = Event<'api_key_revoked', authEvents.ApiKeyRevoked>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;

export const apiKeyStreamId = (apiKeyId: string) => `apikey-${apiKeyId}`;
