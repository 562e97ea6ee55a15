import { auth } from '@neuroforge/contracts';
import { DeciderSpecification } from '@neuroforge/events';
import { describe, it } from 'vitest';
import type { UserCommand } from './user.commands';
import { userDecider } from './user.decider';
import type { UserEvent } from './user.events';

const spec = DeciderSpecification.for(userDecider);
const register: UserCommand = {
  type: 'register_user',
  data: { userId: 'u1', email: 'ada@example.com', displayName: 'Ada', role: 'viewer' },
};
const registered: UserEvent = {
  type: 'user_registered',
  data: { userId: 'u1', email: 'ada@example.com', displayName: 'Ada', role: auth.Role.ROLE_VIEWER },
};
const promoted: UserEvent = {
  type: 'role_changed',
  data: {
    userId: 'u1',
    previousRole: auth.Role.ROLE_VIEWER,
    role: auth.Role.ROLE_DEVELOPER,
    changedByUserId: 'admin-1',
  },
};

describe('User decider', () => {
  it('registers a new user with its role', () => {
    spec.given([]).when(register).then([registered]);
  });

  it('refuses to register the same user twice', () => {
    spec.given([registered]).when(register).thenThrows('AUTH.USER_EXISTS');
  });

  it('records a login with its session id', () => {
    spec
      .given([registered])
      .when({ type: 'record_login', data: { sessionId: 's1' } })
      .then([{ type: 'user_logged_in', data: { userId: 'u1', sessionId: 's1' } }]);
  });

  it('records a failed login with the user id and email, no password material', () => {
    spec
      .given([registered])
      .when({ type: 'record_failed_login', data: { reasonCode: 'AUTH.INVALID_CREDENTIALS' } })
      .then([
        {
          type: 'login_failed',
          data: { email: 'ada@example.com', reasonCode: 'AUTH.INVALID_CREDENTIALS', userId: 'u1' },
        },
      ]);
  });

  it('changes the role, naming the previous one and who changed it', () => {
    spec
      .given([registered])
      .when({ type: 'change_role', data: { role: 'developer', changedByUserId: 'admin-1' } })
      .then([promoted]);
  });

  it('records nothing when the role is already the requested one', () => {
    spec
      .given([registered, promoted])
      .when({ type: 'change_role', data: { role: 'developer', changedByUserId: 'admin-1' } })
      .then([]);
  });

  it('records refresh-token reuse for the session', () => {
    spec
      .given([registered])
      .when({ type: 'record_refresh_reuse', data: { sessionId: 's9' } })
      .then([{ type: 'refresh_token_reused', data: { userId: 'u1', sessionId: 's9' } }]);
  });

  it('refuses commands for a user that does not exist', () => {
    spec
      .given([])
      .when({ type: 'record_login', data: { sessionId: 's1' } })
      .thenThrows('AUTH.USER_NOT_FOUND');
    spec
      .given([])
      .when({ type: 'change_role', data: { role: 'admin', changedByUserId: 'x' } })
      .thenThrows('AUTH.USER_NOT_FOUND');
  });
});
