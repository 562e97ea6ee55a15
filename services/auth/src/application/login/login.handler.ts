import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DomainError, type EventStore, handleCommand } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { userDecider } from '../../domain/user/user.decider';
import { type LoginFailed, userStreamId } from '../../domain/user/user.events';
import { EVENT_STORE, OUTBOX, type Outbox } from '../ports/event-store.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../ports/password-hasher.port';
import { USER_ACCOUNTS, type UserAccounts, type UserView } from '../ports/user-accounts.port';
import { type IssuedTokens, TokenService } from '../shared/token-service';
import type { LoginCommand } from './login.command';

/** Audit reason for an email that belongs to no account (the caller still only sees INVALID_CREDENTIALS). */
const USER_UNKNOWN = 'AUTH.USER_UNKNOWN';

/** Failed logins for unknown emails go to a stream per email hash: there is no user stream to put them in. */
export const unknownLoginStreamId = (email: string) =>
  `login-${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;

@Injectable()
export class LoginHandler implements OnModuleInit {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(USER_ACCOUNTS) private readonly users: UserAccounts,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  onModuleInit(): void {
    // Computed at start-up so that not even the first unknown-email login takes longer than a known one.
    void this.fallbackHash();
  }

  async execute(command: LoginCommand): Promise<{ user: UserView; tokens: IssuedTokens }> {
    const userId = await this.users.userIdByEmail(command.email);
    const passwordHash = userId ? await this.users.passwordHash(userId) : null;
    // An unknown email still costs one argon2 verification, so timing does not tell which emails exist.
    const passwordOk = await this.hasher.verify(passwordHash ?? (await this.fallbackHash()), command.password);
    const user = userId && passwordHash && passwordOk ? await this.users.view(userId) : null;
    if (!user) {
      await this.auditFailure(command.email, userId);
      throw new DomainError(AuthErrorCode.InvalidCredentials, 'email or password is wrong');
    }
    const now = new Date();
    const tokens = await this.tokens.startSession(user, now);
    await handleCommand(this.store, userDecider, userStreamId(user.userId), {
      type: 'record_login',
      data: { sessionId: tokens.sessionId },
    });
    this.outbox.nudge();
    await this.users.recordLogin(user.userId, now);
    return { user: { ...user, lastLoginAt: now }, tokens };
  }

  private async auditFailure(email: string, userId: string | null): Promise<void> {
    if (userId) {
      await handleCommand(this.store, userDecider, userStreamId(userId), {
        type: 'record_failed_login',
        data: { reasonCode: AuthErrorCode.InvalidCredentials },
      });
    } else {
      const event: LoginFailed = { type: 'login_failed', data: { email, reasonCode: USER_UNKNOWN, userId: '' } };
      await this.store.appendToStream(unknownLoginStreamId(email), [event], { expectedVersion: 'any' });
    }
    this.outbox.nudge();
  }

  private fallbackHash(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(randomBytes(32).toString('base64'));
    return this.dummyHash;
  }
}
