import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { USER_ACCOUNTS, type UserAccounts, type UserView } from '../ports/user-accounts.port';
import type { Principal } from '../shared/principal';
import { requirePermission } from '../shared/principal';

@Injectable()
export class GetUserHandler {
  constructor(@Inject(USER_ACCOUNTS) private readonly users: UserAccounts) {}

  /** Anyone may read their own account; other accounts need users:admin. */
  async execute(caller: Principal, userId: string): Promise<UserView> {
    const id = userId || caller.userId;
    if (id !== caller.userId) requirePermission(caller, 'users:admin');
    const user = await this.users.view(id);
    if (!user) throw new DomainError(AuthErrorCode.UserNotFound, 'user not found');
    return user;
  }
}
