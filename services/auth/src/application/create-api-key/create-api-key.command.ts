import type { Permission } from '@neuroforge/auth-policy';

/** CreateApiKey's validated input; `userId` empty means the caller's own key. */
export interface CreateApiKeyCommand {
  userId: string;
  name: string;
  scopes: Permission[];
  /** 0: never expires. */
  expiresInDays: number;
}
