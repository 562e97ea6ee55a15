import type { Role } from '@neuroforge/auth-policy';
import type { Command } from '@neuroforge/events';

export type RegisterUser = Command<'register_user', { userId: string; email: string; displayName: string; role: Role }>;
export type RecordLogin = Command<'record_login', { sessionId: string }>;
export type RecordFailedLogin = Command<'record_failed_login', { reasonCode: string }>;
export type ChangeRole = Command<'change_role', { role: Role; changedByUserId: string }>;
export type RecordRefreshReuse = Command<'record_refresh_reuse', { sessionId: string }>;

export type UserCommand = RegisterUser | RecordLogin | RecordFailedLogin | ChangeRole | RecordRefreshReuse;
