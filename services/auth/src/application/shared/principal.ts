import { isAllowed, type Permission, type Role } from '@neuroforge/auth-policy';
import { DomainError } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';

/** The authenticated caller behind an access token or an API key. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  method: 'access_token' | 'api_key';
  apiKeyId: string;
  /** Empty means everything the role allows. */
  scopes: string[];
  expiresAt: Date | null;
}

/** Throws AUTH.PERMISSION_DENIED unless the principal holds the permission. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!isAllowed(principal, permission)) {
    throw new DomainError(AuthErrorCode.PermissionDenied, `this call needs the permission ${permission}`, {
      permission,
    });
  }
}

/** Own resources need `ownPermission`; anyone else's need `users:admin` as well. */
export function requireOwnerOrAdmin(principal: Principal, ownerId: string, ownPermission: Permission): void {
  requirePermission(principal, ownPermission);
  if (principal.userId !== ownerId) requirePermission(principal, 'users:admin');
}
