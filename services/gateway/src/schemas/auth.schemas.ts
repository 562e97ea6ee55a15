import { PERMISSIONS } from '@neuroforge/auth-policy';
import type { auth } from '@neuroforge/contracts';
import { z } from 'zod';
import { isoTime, QueryBool } from './common.schemas';

const Email = z.string().max(254).email('must be an email address');

export const RegisterRequest = z
  .object({ email: Email, password: z.string().min(8).max(256), display_name: z.string().min(1).max(128).optional() })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const LoginRequest = z.object({ email: Email, password: z.string().min(1).max(256) }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const RefreshRequest = z.object({ refresh_token: z.string().min(1).max(2048) }).strict();
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const LogoutRequest = z
  .object({ refresh_token: z.string().min(1).max(2048), all_sessions: z.boolean().optional() })
  .strict();
export type LogoutRequest = z.infer<typeof LogoutRequest>;

export const CreateApiKeyRequest = z
  .object({
    name: z.string().min(1).max(64),
    scopes: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length).optional(),
    expires_in_days: z.number().int().min(0).max(3650).optional(),
  })
  .strict();
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const ListApiKeysQuery = z.object({ include_revoked: QueryBool }).strict();
export const ApiKeyIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/, 'must be an API key id'),
});

const TokenPairView = z.object({
  access_token: z.string(),
  token_type: z.string(),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  refresh_expires_in: z.number().int(),
});
const UserView = z.object({
  id: z.string(),
  email: z.string(),
  display_name: z.string(),
  role: z.string(),
  created_at: z.string().nullable(),
});
export const SessionResponse = z.object({ user: UserView, tokens: TokenPairView });
export const TokensResponse = z.object({ tokens: TokenPairView });
export const LogoutResponse = z.object({ revoked_sessions: z.number().int() });
export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  created_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked: z.boolean(),
});
export const CreatedApiKey = z.object({
  api_key: ApiKeyView,
  secret: z.string().meta({ description: 'Shown once; send it as `Authorization: Bearer nf_...`.' }),
});
export const ApiKeyList = z.object({ api_keys: z.array(ApiKeyView) });

export function roleName(role: auth.Role): string {
  return String(role)
    .replace(/^ROLE_/, '')
    .toLowerCase();
}

export function userView(user: auth.User | null | undefined): z.infer<typeof UserView> {
  if (!user) throw new Error('auth answered without a user');
  return {
    id: user.userId,
    email: user.email,
    display_name: user.displayName,
    role: roleName(user.role),
    created_at: isoTime(user.createdAt),
  };
}

export function tokensView(tokens: auth.TokenPair | null | undefined): z.infer<typeof TokenPairView> {
  if (!tokens) throw new Error('auth answered without tokens');
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType || 'Bearer',
    expires_in: tokens.accessTokenExpiresInSeconds,
    refresh_token: tokens.refreshToken,
    refresh_expires_in: tokens.refreshTokenExpiresInSeconds,
  };
}

export function apiKeyView(key: auth.ApiKey | null | undefined): z.infer<typeof ApiKeyView> {
  if (!key) throw new Error('auth answered without an API key');
  return {
    id: key.apiKeyId,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    created_at: isoTime(key.createdAt),
    expires_at: isoTime(key.expiresAt),
    last_used_at: isoTime(key.lastUsedAt),
    revoked: key.revoked,
  };
}
