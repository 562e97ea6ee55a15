// Roles as the domain names them (`admin`) and as the contract spells them (`ROLE_ADMIN`).
import type { Role } from '@neuroforge/auth-policy';
import type { auth } from '@neuroforge/contracts';

export type ProtoRole = `${auth.Role}`;

const TO_PROTO: Record<Role, ProtoRole> = { admin: 'ROLE_ADMIN', developer: 'ROLE_DEVELOPER', viewer: 'ROLE_VIEWER' };

export function roleToProto(role: Role): ProtoRole {
  return TO_PROTO[role];
}

/** The domain role of a contract value; undefined for ROLE_UNSPECIFIED and unknown values. */
export function roleFromProto(value: string): Role | undefined {
  return (Object.keys(TO_PROTO) as Role[]).find((r) => TO_PROTO[r] === value);
}
