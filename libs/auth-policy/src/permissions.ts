// The one role → permission matrix of NeuroForge. The auth service checks it when it grants API-key scopes and
// guards its admin RPCs; the gateway checks it on every request. Nothing else may define what a role allows.

/** Roles, lowest privilege last. Access tokens carry the role under this name (claim `role`). */
export const ROLES = ['admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Every permission, as `<resource>:<action>`; API-key scopes and token `scopes` are drawn from this list. */
export const PERMISSIONS = [
  'models:read',
  'models:write',
  'generate',
  'training:read',
  'training:write',
  'embeddings:read',
  'embeddings:write',
  'api_keys:manage',
  'users:admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = ['models:read', 'generate', 'training:read', 'embeddings:read'];
const DEVELOPER: readonly Permission[] = [
  ...VIEWER,
  'models:write',
  'training:write',
  'embeddings:write',
  'api_keys:manage',
];
const ADMIN: readonly Permission[] = [...DEVELOPER, 'users:admin'];

/** Each role includes the rights of the roles below it (viewer ⊂ developer ⊂ admin). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(ADMIN),
  developer: new Set(DEVELOPER),
  viewer: new Set(VIEWER),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** The permissions of a role, in PERMISSIONS order. */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => ROLE_PERMISSIONS[role].has(p));
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/**
 * What a credential may do: its role's permissions, narrowed to its scopes when it has any. An empty scope list
 * means "everything the role allows", so a later role change applies to unscoped keys and tokens at once; a
 * scope the role no longer allows (after a demotion) grants nothing.
 */
export function effectivePermissions(role: Role, scopes: readonly string[]): Permission[] {
  const granted = permissionsOf(role);
  if (scopes.length === 0) return granted;
  return granted.filter((p) => scopes.includes(p));
}

/** Whether a principal with this role and these scopes holds the permission. */
export function isAllowed(principal: { role: Role; scopes: readonly string[] }, permission: Permission): boolean {
  return (
    roleAllows(principal.role, permission) && (principal.scopes.length === 0 || principal.scopes.includes(permission))
  );
}

/** Scopes a role may not grant (unknown names included); empty when every requested scope is allowed. */
export function scopesBeyondRole(role: Role, scopes: readonly string[]): string[] {
  return scopes.filter((s) => !isPermission(s) || !roleAllows(role, s));
}
