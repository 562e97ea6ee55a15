import { describe, expect, it } from 'vitest';
import {
  effectivePermissions,
  isAllowed,
  PERMISSIONS,
  permissionsOf,
  ROLE_PERMISSIONS,
  ROLES,
  roleAllows,
  scopesBeyondRole,
} from './permissions';

describe('permission matrix', () => {
  it('gives each role exactly the documented permissions', () => {
    expect(permissionsOf('viewer')).toEqual(['models:read', 'generate', 'training:read', 'embeddings:read']);
    expect(permissionsOf('developer')).toEqual([
      'models:read',
      'models:write',
      'generate',
      'training:read',
      'training:write',
      'embeddings:read',
      'embeddings:write',
      'api_keys:manage',
    ]);
    expect(permissionsOf('admin')).toEqual([...PERMISSIONS]);
  });

  it('makes each role include the roles below it', () => {
    for (const p of ROLE_PERMISSIONS.viewer) expect(roleAllows('developer', p)).toBe(true);
    for (const p of ROLE_PERMISSIONS.developer) expect(roleAllows('admin', p)).toBe(true);
  });

  it('keeps user administration to admins and writes away from viewers', () => {
    expect(ROLES.filter((r) => roleAllows(r, 'users:admin'))).toEqual(['admin']);
    expect(roleAllows('viewer', 'models:write')).toBe(false);
    expect(roleAllows('viewer', 'api_keys:manage')).toBe(false);
  });

  it('narrows a role to the scopes of a credential, empty scopes meaning the whole role', () => {
    expect(effectivePermissions('developer', [])).toEqual(permissionsOf('developer'));
    expect(effectivePermissions('developer', ['generate', 'users:admin'])).toEqual(['generate']);
    expect(isAllowed({ role: 'developer', scopes: ['generate'] }, 'generate')).toBe(true);
    expect(isAllowed({ role: 'developer', scopes: ['generate'] }, 'models:write')).toBe(false);
    expect(isAllowed({ role: 'viewer', scopes: ['models:write'] }, 'models:write')).toBe(false);
  });

  it('names the scopes a role cannot grant, unknown ones included', () => {
    expect(scopesBeyondRole('viewer', ['generate', 'models:write', 'nope'])).toEqual(['models:write', 'nope']);
    expect(scopesBeyondRole('admin', [...PERMISSIONS])).toEqual([]);
  });
});
