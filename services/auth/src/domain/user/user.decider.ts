// The User aggregate: registration, role changes and the audit trail of logins and refresh-token reuse.
import type { Role } from '@neuroforge/auth-policy';
import { assertNever, type Decider, DomainError } from '@neuroforge/events';
import { AuthErrorCode } from '../auth-errors';
import { roleFromProto, roleToProto } from '../role';
import type { UserCommand } from './user.commands';
import type { UserEvent } from './user.events';

export type UserState =
  | { status: 'none' }
  | { status: 'active'; userId: string; email: string; displayName: string; role: Role; logins: number };

function requireActive(state: UserState): Extract<UserState, { status: 'active' }> {
  if (state.status !== 'active') throw new DomainError(AuthErrorCode.UserNotFound, 'user not found');
  return state;
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'register_user': {
        if (state.status !== 'none') throw new DomainError(AuthErrorCode.UserExists, 'user already registered');
        const { userId, email, displayName, role } = command.data;
        return [{ type: 'user_registered', data: { userId, email, displayName, role: roleToProto(role) } }];
      }
      case 'record_login': {
        const user = requireActive(state);
        return [{ type: 'user_logged_in', data: { userId: user.userId, sessionId: command.data.sessionId } }];
      }
      case 'record_failed_login': {
        const user = requireActive(state);
        return [
          {
            type: 'login_failed',
            data: { email: user.email, reasonCode: command.data.reasonCode, userId: user.userId },
          },
        ];
      }
      case 'change_role': {
        const user = requireActive(state);
        // Setting the role a user already has changes nothing and records nothing.
        if (user.role === command.data.role) return [];
        return [
          {
            type: 'role_changed',
            data: {
              userId: user.userId,
              previousRole: roleToProto(user.role),
              role: roleToProto(command.data.role),
              changedByUserId: command.data.changedByUserId,
            },
          },
        ];
      }
      case 'record_refresh_reuse': {
        const user = requireActive(state);
        return [{ type: 'refresh_token_reused', data: { userId: user.userId, sessionId: command.data.sessionId } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'user_registered': {
        const { userId, email, displayName, role } = event.data;
        return { status: 'active', userId, email, displayName, role: roleFromProto(role) ?? 'viewer', logins: 0 };
      }
      case 'user_logged_in':
        return state.status === 'active' ? { ...state, logins: state.logins + 1 } : state;
      case 'role_changed':
        return state.status === 'active' ? { ...state, role: roleFromProto(event.data.role) ?? state.role } : state;
      case 'login_failed':
      case 'refresh_token_reused':
        return state;
      default:
        return assertNever(event);
    }
  },
};
