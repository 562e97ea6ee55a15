import type { Role } from '@neuroforge/auth-policy';

export interface SetUserRoleCommand {
  userId: string;
  role: Role;
}
