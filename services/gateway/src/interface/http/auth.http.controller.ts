import { Controller, Delete, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { auth } from '@neuroforge/contracts';
import type { FastifyRequest } from 'fastify';
import { callerMetadata } from '../../application/generation/generation.service';
import { ApiError } from '../../edge/api-error';
import { Public, RefreshTokenCredential, RequirePermission } from '../../edge/route-policy';
import { ApiRoute, ValidBody, ValidParams, ValidQuery } from '../../edge/validation';
import { Upstreams } from '../../infrastructure/grpc/upstreams';
import {
  ApiKeyIdParams,
  ApiKeyList,
  ApiKeyView,
  apiKeyView,
  CreateApiKeyRequest,
  CreatedApiKey,
  ListApiKeysQuery,
  LoginRequest,
  LogoutRequest,
  LogoutResponse,
  RefreshRequest,
  RegisterRequest,
  SessionResponse,
  TokensResponse,
  tokensView,
  userView,
} from '../../schemas/auth.schemas';
import { principalOf } from './generate.http.controller';

/** Accounts, sessions and API keys, served by the auth service. */
@Controller('api/v1/auth')
export class AuthHttpController {
  constructor(@Inject(Upstreams) private readonly upstreams: Upstreams) {}

  @Post('register')
  @Public()
  @HttpCode(201)
  @ApiRoute({
    summary: 'Create an account and sign in',
    tags: ['auth'],
    body: RegisterRequest,
    response: SessionResponse,
    status: 201,
  })
  async register(@ValidBody() body: RegisterRequest) {
    const answer = await this.upstreams.auth.unary<auth.RegisterRequest, auth.RegisterResponse>('Register', {
      email: body.email,
      password: body.password,
      displayName: body.display_name ?? '',
    });
    return { user: userView(answer.user), tokens: tokensView(answer.tokens) };
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Sign in with email and password',
    tags: ['auth'],
    body: LoginRequest,
    response: SessionResponse,
  })
  async login(@ValidBody() body: LoginRequest) {
    const answer = await this.upstreams.auth.unary<auth.LoginRequest, auth.LoginResponse>('Login', body);
    return { user: userView(answer.user), tokens: tokensView(answer.tokens) };
  }

  @Post('refresh')
  @RefreshTokenCredential()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Exchange a refresh token for a new token pair',
    description: 'The refresh token is the credential. It is single-use: presenting a used one revokes its session.',
    tags: ['auth'],
    body: RefreshRequest,
    response: TokensResponse,
  })
  async refresh(@ValidBody() body: RefreshRequest) {
    const answer = await this.upstreams.auth.unary<auth.RefreshRequest, auth.RefreshResponse>('Refresh', {
      refreshToken: body.refresh_token,
    });
    return { tokens: tokensView(answer.tokens) };
  }

  @Post('logout')
  @RefreshTokenCredential()
  @HttpCode(200)
  @ApiRoute({
    summary: 'End a session (or all sessions) by its refresh token',
    tags: ['auth'],
    body: LogoutRequest,
    response: LogoutResponse,
  })
  async logout(@ValidBody() body: LogoutRequest) {
    const answer = await this.upstreams.auth.unary<auth.RevokeRequest, auth.RevokeResponse>('Revoke', {
      refreshToken: body.refresh_token,
      allSessions: body.all_sessions ?? false,
    });
    return { revoked_sessions: answer.revokedCount };
  }

  @Post('api-keys')
  @RequirePermission('api_keys:manage')
  @HttpCode(201)
  @ApiRoute({
    summary: 'Create an API key for yourself',
    description: 'Scopes narrow what the key may do within your role; none means everything your role allows.',
    tags: ['auth'],
    body: CreateApiKeyRequest,
    response: CreatedApiKey,
    status: 201,
  })
  async createApiKey(@ValidBody() body: CreateApiKeyRequest, @Req() request: FastifyRequest) {
    const principal = principalOf(request);
    const answer = await this.upstreams.auth.unary<auth.CreateApiKeyRequest, auth.CreateApiKeyResponse>(
      'CreateApiKey',
      {
        userId: principal.userId,
        name: body.name,
        scopes: body.scopes ?? [],
        expiresInDays: body.expires_in_days ?? 0,
      },
      { metadata: forwardedCredential(request) },
    );
    return { api_key: apiKeyView(answer.apiKey), secret: answer.secret };
  }

  @Get('api-keys')
  @RequirePermission('api_keys:manage')
  @ApiRoute({ summary: 'List your API keys', tags: ['auth'], query: ListApiKeysQuery, response: ApiKeyList })
  async listApiKeys(@ValidQuery() query: { include_revoked?: boolean }, @Req() request: FastifyRequest) {
    const keys = await this.keysOf(request, query.include_revoked ?? false);
    return { api_keys: keys.map(apiKeyView) };
  }

  @Delete('api-keys/:id')
  @RequirePermission('api_keys:manage')
  @ApiRoute({
    summary: 'Revoke one of your API keys',
    description: 'The key stops working at once: the gateway asks auth about every API-key request.',
    tags: ['auth'],
    params: ApiKeyIdParams,
    response: ApiKeyView,
  })
  async revokeApiKey(@ValidParams() params: { id: string }, @Req() request: FastifyRequest) {
    const principal = principalOf(request);
    // Only the owner revokes a key here (admins too, for any key): a stranger's id looks like an unknown one.
    if (principal.role !== 'admin' && !(await this.keysOf(request, true)).some((k) => k.apiKeyId === params.id)) {
      throw new ApiError(404, 'AUTH.API_KEY_NOT_FOUND', `You have no API key ${params.id}.`, { api_key_id: params.id });
    }
    const answer = await this.upstreams.auth.unary<auth.RevokeApiKeyRequest, auth.RevokeApiKeyResponse>(
      'RevokeApiKey',
      { apiKeyId: params.id },
      { metadata: forwardedCredential(request) },
    );
    return apiKeyView(answer.apiKey);
  }

  private async keysOf(request: FastifyRequest, includeRevoked: boolean): Promise<auth.ApiKey[]> {
    const answer = await this.upstreams.auth.unary<auth.ListApiKeysRequest, auth.ListApiKeysResponse>(
      'ListApiKeys',
      { userId: principalOf(request).userId, pageSize: 500, pageToken: '', includeRevoked },
      { metadata: forwardedCredential(request) },
    );
    return answer.apiKeys;
  }
}

/** The caller's own credential, so auth can authorise calls made on the caller's behalf. */
function forwardedCredential(request: FastifyRequest): Record<string, string> {
  const metadata = callerMetadata(principalOf(request));
  return request.credential ? { ...metadata, authorization: `Bearer ${request.credential}` } : metadata;
}
