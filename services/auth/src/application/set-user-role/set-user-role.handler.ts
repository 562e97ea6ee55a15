import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type EventStore, handleCommand } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { userDecider } from '../../domain/user/user.decider';
import { userStreamId } from '../../domain/user/user.events';
import { EVENT_STORE, OUTBOX, type Outbox } from '../ports/event-store.port';
import { USER_ACCOUNTS, type UserAccounts, type UserView } from '../ports/user-accounts.port';
import { type Principal, requirePermission } from '../shared/principal';
import type { SetUserRoleCommand } from './set-user-role.command';

/**
 * Admin only. API keys follow the new role at once (VerifyApiKey reads the current role); access tokens carry
 * the role they were issued with until they expire (auth.access_token_ttl_seconds), and refresh picks up the new one.
 */
@Injectable()
export class SetUserRoleHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(USER_ACCOUNTS) private readonly users: UserAccounts,
  ) {}

  async execute(caller: Principal, command: SetUserRoleCommand): Promise<UserView> {
    requirePermission(caller, 'users:admin');
    const user = await this.users.view(command.userId);
    if (!user) throw new DomainError(AuthErrorCode.UserNotFound, 'user not found');
    const { events } = await handleCommand(this.store, userDecider, userStreamId(command.userId), {
      type: 'change_role',
      data: { role: command.role, changedByUserId: caller.userId },
    });
    if (events.length > 0) {
      this.outbox.nudge();
      await this.users.setRole(command.userId, command.role);
    }
    return { ...user, role: command.role };
  }
}
