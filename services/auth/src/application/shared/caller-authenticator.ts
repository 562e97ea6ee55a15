import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';
import { VerifyAccessTokenHandler } from '../verify-access-token/verify-access-token.handler';
import { VerifyApiKeyHandler } from '../verify-api-key/verify-api-key.handler';
import type { Principal } from './principal';

/** The credential a caller presented (gRPC metadata `authorization: Bearer …` or `x-api-key`). */
export interface CallerCredential {
  bearer?: string;
  apiKey?: string;
}

/** Authenticates the caller of an RPC that acts on someone's behalf (API keys, users, roles). */
@Injectable()
export class CallerAuthenticator {
  constructor(
    @Inject(VerifyAccessTokenHandler) private readonly tokens: VerifyAccessTokenHandler,
    @Inject(VerifyApiKeyHandler) private readonly apiKeys: VerifyApiKeyHandler,
  ) {}

  async authenticate(credential: CallerCredential): Promise<Principal> {
    if (credential.bearer) return this.tokens.execute(credential.bearer);
    if (credential.apiKey) return this.apiKeys.execute(credential.apiKey);
    throw new DomainError(
      AuthErrorCode.Unauthenticated,
      'this call needs the caller’s credential: metadata authorization: Bearer <token> or x-api-key',
    );
  }
}
