// Events of the User aggregate (stream `user-<userId>`). Their data is exactly the public payload in
// protos/neuroforge/auth/v1/events.proto: nothing secret (no password hash) ever enters the stream.

import type { authEvents } from '@neuroforge/contracts';
import type { Event } from '@neuroforge/events';

export type UserRegistered = Event<'user_registered', authEvents.UserRegistered>;
export type UserLoggedIn = Event<'user_logged_in', authEvents.UserLoggedIn>;
export type LoginFailed = Event<'login_failed', authEvents.LoginFailed>;
export type RoleChanged = Event<'role_changed', authEvents.RoleChanged>;
export type RefreshTokenReused = Event<'refresh_token_reused', authEvents.RefreshTokenReused>;

export type UserEvent = UserRegistered | UserLoggedIn | LoginFailed | RoleChanged | RefreshTokenReused;

export const userStreamId = (userId: string) => `user-${userId}`;
