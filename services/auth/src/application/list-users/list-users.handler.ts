import { Inject, Injectable } from '@nestjs/common';
import type { Role } from '@neuroforge/auth-policy';
import { USER_ACCOUNTS, type UserAccounts, type UserView } from '../ports/user-accounts.port';
import { nextPageToken, readPage } from '../shared/pagination';
import { type Principal, requirePermission } from '../shared/principal';

@Injectable()
export class ListUsersHandler {
  constructor(@Inject(USER_ACCOUNTS) private readonly users: UserAccounts) {}

  async execute(
    caller: Principal,
    query: { pageSize: number; pageToken: string; role?: Role },
  ): Promise<{ users: UserView[]; nextPageToken: string }> {
    requirePermission(caller, 'users:admin');
    const page = readPage(query.pageSize, query.pageToken);
    const users = await this.users.list({ role: query.role, ...page });
    return { users, nextPageToken: nextPageToken(page.offset, page.limit, users.length) };
  }
}
