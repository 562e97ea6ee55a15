// Roles as the domain names them (`admin`) and as the contract spells them (`ROLE_ADMIN`).
import type { Role } from '@neuroforge/auth-policy';
import { auth } from '@neuroforge/contracts';

const TO_PROTO: Record<Role, auth.Role> = {
  admin: auth.Role.ROLE_ADMIN,
  developer: auth.Role.ROLE_DEVELOPER,
  viewer: auth.Role.ROLE_VIEWER,
};

export function roleToProto(role: Role): auth.Role {
  return TO_PROTO[role];
}

/** The domain role of a contract value; undefined for ROLE_UNSPECIFIED and unknown values. */
export function roleFromProto(value: string): Role | undefined {
  return (Object.keys(TO_PROTO) as Role[]).find((r) => TO_PROTO[r] === value);
}
