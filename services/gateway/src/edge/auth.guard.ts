import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isAllowed, type Permission } from '@neuroforge/auth-policy';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error';
import { CredentialVerifier, credentialOf, tokenRevoked } from './credential-verifier';
import { PUBLIC_ROUTE, REFRESH_TOKEN_CREDENTIAL, REQUIRED_PERMISSION } from './route-policy';

/**
 * Default deny: every route needs a verified credential unless it is marked `@Public()` (or takes its refresh
 * token as the credential); then the route's `@RequirePermission(...)` is checked against the role → permission
 * matrix of @neuroforge/auth-policy, narrowed by the credential's scopes.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(CredentialVerifier) private readonly verifier: CredentialVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();

    if (this.reflector.getAllAndOverride<boolean>(REFRESH_TOKEN_CREDENTIAL, targets)) {
      const body = request.body as { refresh_token?: unknown } | undefined;
      if (typeof body?.refresh_token === 'string' && body.refresh_token) return true;
      throw ApiError.unauthenticated('Send the refresh token as `refresh_token` in the JSON body.');
    }

    const credential = credentialOf(request.headers);
    if (!credential) throw ApiError.unauthenticated();
    const { principal, revocationKeys } = await this.verifier.authenticate(credential);
    request.principal = principal;
    request.credential = credential;
    request.revocationKeys = revocationKeys;

    const permission = this.reflector.getAllAndOverride<Permission | undefined>(REQUIRED_PERMISSION, targets);
    if (permission && !isAllowed(principal, permission)) {
      // Refused before admission (a forbidden request is not counted), so revocation is checked here: a revoked
      // token is told 401, as on every other route, not 403.
      if (await this.verifier.isRevoked(revocationKeys)) throw tokenRevoked();
      throw new ApiError(403, 'AUTH.FORBIDDEN', `This route needs the permission ${permission}.`, {
        permission,
        role: principal.role,
      });
    }
    return true;
  }
}
