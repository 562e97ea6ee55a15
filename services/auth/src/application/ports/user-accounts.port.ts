import type { Role } from '@neuroforge/auth-policy';

export const USER_ACCOUNTS = Symbol('USER_ACCOUNTS');

/** The queryable side of users (the events stay the truth of who registered and of role changes). */
export interface UserView {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: Date;
  lastLoginAt: Date | null;
}

/**
 * What the User aggregate's stream cannot do on its own: keep emails unique (a reservation document per email,
 * whose `_id` is the unique index), keep the password hash out of the events, and list users.
 */
export interface UserAccounts {
  /** Reserves an email for a user id; false when another user holds it. */
  reserveEmail(email: string, userId: string): Promise<boolean>;
  /** Frees a reservation this user holds (registration failed after reserving). */
  releaseEmail(email: string, userId: string): Promise<void>;
  userIdByEmail(email: string): Promise<string | null>;
  setPasswordHash(userId: string, hash: string): Promise<void>;
  passwordHash(userId: string): Promise<string | null>;
  saveView(view: UserView): Promise<void>;
  view(userId: string): Promise<UserView | null>;
  setRole(userId: string, role: Role): Promise<void>;
  recordLogin(userId: string, at: Date): Promise<void>;
  /** Oldest first; `offset` rows skipped. */
  list(filter: { role?: Role; offset: number; limit: number }): Promise<UserView[]>;
}
