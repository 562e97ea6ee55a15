// auth.v1.AuthService: validates each request, builds the use case's input and maps the result. Calls that act
// for someone (API keys, users, roles) authenticate the caller from gRPC metadata: `authorization: Bearer
// <access token>` or `x-api-key: <key>` (the gateway forwards what its client sent).
import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { auth } from '@neuroforge/contracts';
import { GrpcErrorFilter } from '@neuroforge/service-kit';
import { CreateApiKeyHandler } from '../../application/create-api-key/create-api-key.handler';
import { GetJwksHandler } from '../../application/get-jwks/get-jwks.handler';
import { GetUserHandler } from '../../application/get-user/get-user.handler';
import { ListApiKeysHandler } from '../../application/list-api-keys/list-api-keys.handler';
import { ListUsersHandler } from '../../application/list-users/list-users.handler';
import { LoginHandler } from '../../application/login/login.handler';
import { RefreshSessionHandler } from '../../application/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from '../../application/register-user/register-user.handler';
import { RevokeApiKeyHandler } from '../../application/revoke-api-key/revoke-api-key.handler';
import { RevokeSessionHandler } from '../../application/revoke-session/revoke-session.handler';
import { SetUserRoleHandler } from '../../application/set-user-role/set-user-role.handler';
import { CallerAuthenticator, type CallerCredential } from '../../application/shared/caller-authenticator';
import type { Principal } from '../../application/shared/principal';
import { VerifyAccessTokenHandler } from '../../application/verify-access-token/verify-access-token.handler';
import { VerifyApiKeyHandler } from '../../application/verify-api-key/verify-api-key.handler';
import { roleFromProto } from '../../domain/role';
import { toApiKey, toJwk, toPrincipal, toTokenPair, toUser } from './auth.mappers';
import { Validator } from './validation';

function credentialOf(metadata: Metadata | undefined): CallerCredential {
  const first = (key: string) => {
    const value = metadata?.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  };
  const authorization = first('authorization');
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return { bearer, apiKey: first('x-api-key') };
}

@Controller()
@auth.AuthServiceControllerMethods()
@UseFilters(GrpcErrorFilter)
export class AuthGrpcController implements auth.AuthServiceController {
  constructor(
    @Inject(RegisterUserHandler) private readonly registerUser: RegisterUserHandler,
    @Inject(LoginHandler) private readonly loginUser: LoginHandler,
    @Inject(RefreshSessionHandler) private readonly refreshSession: RefreshSessionHandler,
    @Inject(RevokeSessionHandler) private readonly revokeSession: RevokeSessionHandler,
    @Inject(VerifyAccessTokenHandler) private readonly verifyAccessToken: VerifyAccessTokenHandler,
    @Inject(VerifyApiKeyHandler) private readonly verifyKey: VerifyApiKeyHandler,
    @Inject(CreateApiKeyHandler) private readonly createKey: CreateApiKeyHandler,
    @Inject(ListApiKeysHandler) private readonly listKeys: ListApiKeysHandler,
    @Inject(RevokeApiKeyHandler) private readonly revokeKey: RevokeApiKeyHandler,
    @Inject(GetJwksHandler) private readonly jwks: GetJwksHandler,
    @Inject(GetUserHandler) private readonly getOneUser: GetUserHandler,
    @Inject(ListUsersHandler) private readonly listAllUsers: ListUsersHandler,
    @Inject(SetUserRoleHandler) private readonly setRole: SetUserRoleHandler,
    @Inject(CallerAuthenticator) private readonly callers: CallerAuthenticator,
  ) {}

  private caller(metadata: Metadata | undefined): Promise<Principal> {
    return this.callers.authenticate(credentialOf(metadata));
  }

  async register(request: auth.RegisterRequest): Promise<auth.RegisterResponse> {
    const v = new Validator();
    const email = v.email('email', request.email);
    const password = v.password('password', request.password);
    const displayName = v.text('display_name', request.displayName || email.split('@')[0] || '', { min: 1, max: 100 });
    v.check();
    const { user, tokens } = await this.registerUser.execute({ email, password, displayName });
    return { user: toUser(user), tokens: toTokenPair(tokens) };
  }

  async login(request: auth.LoginRequest): Promise<auth.LoginResponse> {
    const v = new Validator();
    const email = v.email('email', request.email);
    // Only presence and an upper bound: the length rule is for new passwords, and must not reveal anything here.
    v.required('password', request.password);
    if (request.password.length > 4096) v.add('password', 'is too long');
    v.check();
    const { user, tokens } = await this.loginUser.execute({ email, password: request.password });
    return { user: toUser(user), tokens: toTokenPair(tokens) };
  }

  async refresh(request: auth.RefreshRequest): Promise<auth.RefreshResponse> {
    const v = new Validator();
    v.required('refresh_token', request.refreshToken);
    v.check();
    return { tokens: toTokenPair(await this.refreshSession.execute(request.refreshToken)) };
  }

  async revoke(request: auth.RevokeRequest): Promise<auth.RevokeResponse> {
    const v = new Validator();
    v.required('refresh_token', request.refreshToken);
    v.check();
    return { revokedCount: await this.revokeSession.execute(request.refreshToken, request.allSessions) };
  }

  async verifyToken(request: auth.VerifyTokenRequest): Promise<auth.VerifyTokenResponse> {
    const v = new Validator();
    v.required('access_token', request.accessToken);
    v.check();
    return { principal: toPrincipal(await this.verifyAccessToken.execute(request.accessToken)) };
  }

  async verifyApiKey(request: auth.VerifyApiKeyRequest): Promise<auth.VerifyApiKeyResponse> {
    const v = new Validator();
    v.required('api_key', request.apiKey);
    v.check();
    return { principal: toPrincipal(await this.verifyKey.execute(request.apiKey)) };
  }

  async createApiKey(request: auth.CreateApiKeyRequest, metadata?: Metadata): Promise<auth.CreateApiKeyResponse> {
    const v = new Validator();
    const userId = v.userId('user_id', request.userId, { optional: true });
    const name = v.text('name', request.name, { min: 1, max: 100 });
    const scopes = v.scopes('scopes', request.scopes);
    const expiresInDays = v.range('expires_in_days', request.expiresInDays, 0, 3650);
    v.check();
    const caller = await this.caller(metadata);
    const { apiKey, secret } = await this.createKey.execute(caller, { userId, name, scopes, expiresInDays });
    return { apiKey: toApiKey(apiKey), secret };
  }

  async listApiKeys(request: auth.ListApiKeysRequest, metadata?: Metadata): Promise<auth.ListApiKeysResponse> {
    const v = new Validator();
    const userId = v.userId('user_id', request.userId, { optional: true });
    v.check();
    const caller = await this.caller(metadata);
    const page = await this.listKeys.execute(caller, {
      userId,
      pageSize: request.pageSize,
      pageToken: request.pageToken,
      includeRevoked: request.includeRevoked,
    });
    return { apiKeys: page.apiKeys.map(toApiKey), nextPageToken: page.nextPageToken };
  }

  async revokeApiKey(request: auth.RevokeApiKeyRequest, metadata?: Metadata): Promise<auth.RevokeApiKeyResponse> {
    const v = new Validator();
    const apiKeyId = v.apiKeyId('api_key_id', request.apiKeyId);
    v.check();
    const caller = await this.caller(metadata);
    return { apiKey: toApiKey(await this.revokeKey.execute(caller, apiKeyId)) };
  }

  async getJwks(): Promise<auth.GetJwksResponse> {
    return { keys: (await this.jwks.execute()).map(toJwk) };
  }

  async getUser(request: auth.GetUserRequest, metadata?: Metadata): Promise<auth.GetUserResponse> {
    const v = new Validator();
    const userId = v.userId('user_id', request.userId, { optional: true });
    v.check();
    return { user: toUser(await this.getOneUser.execute(await this.caller(metadata), userId)) };
  }

  async listUsers(request: auth.ListUsersRequest, metadata?: Metadata): Promise<auth.ListUsersResponse> {
    const v = new Validator();
    const role = request.role === 'ROLE_UNSPECIFIED' ? undefined : roleFromProto(request.role);
    if (request.role !== 'ROLE_UNSPECIFIED' && !role) v.add('role', 'must be a Role value');
    v.check();
    const page = await this.listAllUsers.execute(await this.caller(metadata), {
      pageSize: request.pageSize,
      pageToken: request.pageToken,
      role,
    });
    return { users: page.users.map(toUser), nextPageToken: page.nextPageToken };
  }

  async setUserRole(request: auth.SetUserRoleRequest, metadata?: Metadata): Promise<auth.SetUserRoleResponse> {
    const v = new Validator();
    const userId = v.userId('user_id', request.userId);
    const role = roleFromProto(request.role);
    if (!role) v.add('role', 'must be ROLE_ADMIN, ROLE_DEVELOPER or ROLE_VIEWER');
    v.check();
    const user = await this.setRole.execute(await this.caller(metadata), { userId, role: role ?? 'viewer' });
    return { user: toUser(user) };
  }
}
