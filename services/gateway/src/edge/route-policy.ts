import { SetMetadata } from '@nestjs/common';
import type { Permission } from '@neuroforge/auth-policy';

/** Metadata keys the guards read; the OpenAPI builder reads the same ones, so the docs cannot drift. */
export const PUBLIC_ROUTE = 'neuroforge:public';
export const REQUIRED_PERMISSION = 'neuroforge:permission';
export const REFRESH_TOKEN_CREDENTIAL = 'neuroforge:refresh-token-credential';
export const CHARGES_TOKENS = 'neuroforge:charges-tokens';

/** Opts a route out of the default-deny authentication (health, docs, register, login). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The permission (from @neuroforge/auth-policy's matrix) a caller needs for this route. */
export const RequirePermission = (permission: Permission) => SetMetadata(REQUIRED_PERMISSION, permission);

/**
 * The route's credential is the refresh token in its body (refresh, logout): no access token is needed, but a
 * request without a refresh token is refused with 401 like any request without credentials.
 */
export const RefreshTokenCredential = () => SetMetadata(REFRESH_TOKEN_CREDENTIAL, true);

/** The route generates tokens, so the caller's tokens-per-minute budget applies to it. */
export const ChargesTokens = () => SetMetadata(CHARGES_TOKENS, true);
