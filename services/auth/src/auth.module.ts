import { type DynamicModule, Module } from '@nestjs/common';
import { GRPC_ERROR_MAPPING } from '@neuroforge/service-kit';
import { CreateApiKeyHandler } from './application/create-api-key/create-api-key.handler';
import { GetJwksHandler } from './application/get-jwks/get-jwks.handler';
import { GetUserHandler } from './application/get-user/get-user.handler';
import { ListApiKeysHandler } from './application/list-api-keys/list-api-keys.handler';
import { ListUsersHandler } from './application/list-users/list-users.handler';
import { LoginHandler } from './application/login/login.handler';
import { RefreshSessionHandler } from './application/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from './application/register-user/register-user.handler';
import { RevokeApiKeyHandler } from './application/revoke-api-key/revoke-api-key.handler';
import { RevokeSessionHandler } from './application/revoke-session/revoke-session.handler';
import { SetUserRoleHandler } from './application/set-user-role/set-user-role.handler';
import { CallerAuthenticator } from './application/shared/caller-authenticator';
import { TokenService } from './application/shared/token-service';
import { VerifyAccessTokenHandler } from './application/verify-access-token/verify-access-token.handler';
import { VerifyApiKeyHandler } from './application/verify-api-key/verify-api-key.handler';
import type { AuthOptions } from './infrastructure/auth-options';
import { AuthInfrastructureModule } from './infrastructure/infrastructure.module';
import { AuthGrpcController } from './interface/grpc/auth.grpc.controller';
import { AUTH_GRPC_ERRORS } from './interface/grpc/grpc-errors';

const USE_CASES = [
  TokenService,
  CallerAuthenticator,
  RegisterUserHandler,
  LoginHandler,
  RefreshSessionHandler,
  RevokeSessionHandler,
  VerifyAccessTokenHandler,
  VerifyApiKeyHandler,
  CreateApiKeyHandler,
  ListApiKeysHandler,
  RevokeApiKeyHandler,
  GetJwksHandler,
  GetUserHandler,
  ListUsersHandler,
  SetUserRoleHandler,
];

/** The auth service: users, sessions, API keys and signing keys behind auth.v1.AuthService. */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot.
export class AuthModule {
  /** Tests pass their own Redis prefix and topic; the service runs with the defaults. */
  static forRoot(options: Partial<AuthOptions> = {}): DynamicModule {
    return {
      module: AuthModule,
      imports: [AuthInfrastructureModule.forRoot(options)],
      controllers: [AuthGrpcController],
      providers: [...USE_CASES, { provide: GRPC_ERROR_MAPPING, useValue: AUTH_GRPC_ERRORS }],
      exports: [TokenService],
    };
  }
}
