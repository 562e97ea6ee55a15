import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Role } from '@neuroforge/auth-policy';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { DomainError, type EventStore, handleCommand } from '@neuroforge/events';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import { AuthErrorCode } from '../../domain/auth-errors';
import { userDecider } from '../../domain/user/user.decider';
import { userStreamId } from '../../domain/user/user.events';
import { EVENT_STORE, OUTBOX, type Outbox } from '../ports/event-store.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../ports/password-hasher.port';
import { USER_ACCOUNTS, type UserAccounts, type UserView } from '../ports/user-accounts.port';
import { type IssuedTokens, TokenService } from '../shared/token-service';
import type { RegisterUserCommand } from './register-user.command';

@Injectable()
export class RegisterUserHandler {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NeuroForgeConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(USER_ACCOUNTS) private readonly users: UserAccounts,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  async execute(command: RegisterUserCommand): Promise<{ user: UserView; tokens: IssuedTokens }> {
    const userId = randomUUID();
    const bootstrap = this.config.auth.bootstrap_admin_email.toLowerCase();
    // Nobody becomes admin by being first: only the configured bootstrap email does.
    const role: Role = bootstrap !== '' && command.email === bootstrap ? 'admin' : 'viewer';
    // 1. Hash before reserving, so a slow hash does not hold the reservation open.
    const passwordHash = await this.hasher.hash(command.password);
    // 2. Reserve the email: the unique `_id` of user_emails decides between concurrent registrations.
    if (!(await this.users.reserveEmail(command.email, userId))) {
      throw new DomainError(AuthErrorCode.EmailTaken, 'an account with this email exists', { field: 'email' });
    }
    const createdAt = new Date();
    try {
      // 3. Credentials, then the event that makes the user exist, then the read model.
      await this.users.setPasswordHash(userId, passwordHash);
      await handleCommand(this.store, userDecider, userStreamId(userId), {
        type: 'register_user',
        data: { userId, email: command.email, displayName: command.displayName, role },
      });
    } catch (error) {
      await this.users.releaseEmail(command.email, userId).catch(() => undefined);
      throw error;
    }
    this.outbox.nudge();
    const user: UserView = {
      userId,
      email: command.email,
      displayName: command.displayName,
      role,
      createdAt,
      lastLoginAt: null,
    };
    await this.users.saveView(user);
    // 4. Registration signs the user in.
    const tokens = await this.tokens.startSession(user, createdAt);
    return { user, tokens };
  }
}
