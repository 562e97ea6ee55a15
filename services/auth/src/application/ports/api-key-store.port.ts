export const API_KEY_STORE = Symbol('API_KEY_STORE');

export interface ApiKeyView {
  apiKeyId: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revoked: boolean;
}

/**
 * The secret's hash (never in an event) and the listing of keys. Whether a key is revoked is decided from its
 * event stream on every verification, so the listing may lag without a revoked key ever passing.
 */
export interface ApiKeyStore {
  saveSecret(apiKeyId: string, userId: string, secretHash: string): Promise<void>;
  secret(apiKeyId: string): Promise<{ userId: string; secretHash: string } | null>;
  saveView(view: ApiKeyView): Promise<void>;
  view(apiKeyId: string): Promise<ApiKeyView | null>;
  markRevoked(apiKeyId: string): Promise<void>;
  touch(apiKeyId: string, at: Date): Promise<void>;
  /** Newest first. */
  listByUser(userId: string, filter: { includeRevoked: boolean; offset: number; limit: number }): Promise<ApiKeyView[]>;
}
