import { type DynamicModule, Module } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { type Logger, SERVICE_CONFIG, SERVICE_LOGGER } from '@neuroforge/service-kit';
import { API_KEY_STORE } from '../application/ports/api-key-store.port';
import { EVENT_STORE, OUTBOX } from '../application/ports/event-store.port';
import { KEY_RING } from '../application/ports/key-ring.port';
import { PASSWORD_HASHER } from '../application/ports/password-hasher.port';
import { REVOCATION_LIST } from '../application/ports/revocation-list.port';
import { SESSION_STORE } from '../application/ports/session-store.port';
import { USER_ACCOUNTS } from '../application/ports/user-accounts.port';
import { AuthInfrastructure } from './auth-infrastructure';
import { AUTH_OPTIONS, type AuthOptions, DEFAULT_AUTH_OPTIONS } from './auth-options';

const PORTS = {
  [EVENT_STORE]: (i: AuthInfrastructure) => i.store,
  [OUTBOX]: (i: AuthInfrastructure) => i,
  [USER_ACCOUNTS]: (i: AuthInfrastructure) => i.users,
  [SESSION_STORE]: (i: AuthInfrastructure) => i.sessions,
  [API_KEY_STORE]: (i: AuthInfrastructure) => i.apiKeys,
  [KEY_RING]: (i: AuthInfrastructure) => i.keyRing,
  [REVOCATION_LIST]: (i: AuthInfrastructure) => i.revocations,
  [PASSWORD_HASHER]: (i: AuthInfrastructure) => i.hasher,
};

/** Binds every application port to its adapter. */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot.
export class AuthInfrastructureModule {
  static forRoot(options: Partial<AuthOptions> = {}): DynamicModule {
    const portProviders = Object.getOwnPropertySymbols(PORTS).map((token) => ({
      provide: token,
      useFactory: PORTS[token as keyof typeof PORTS],
      inject: [AuthInfrastructure],
    }));
    const providers = [
      { provide: AUTH_OPTIONS, useValue: { ...DEFAULT_AUTH_OPTIONS, ...options } },
      {
        provide: AuthInfrastructure,
        useFactory: (config: NeuroForgeConfig, authOptions: AuthOptions, logger: Logger) =>
          AuthInfrastructure.open(config, authOptions, logger),
        inject: [SERVICE_CONFIG, AUTH_OPTIONS, SERVICE_LOGGER],
      },
      ...portProviders,
    ];
    return { module: AuthInfrastructureModule, providers, exports: providers.map((p) => p.provide) };
  }
}
