import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../shared/principal';
import { TokenService } from '../shared/token-service';

@Injectable()
export class VerifyAccessTokenHandler {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  async execute(accessToken: string): Promise<Principal> {
    const claims = await this.tokens.verifyAccessToken(accessToken);
    return {
      userId: claims.sub,
      email: claims.email,
      role: claims.role,
      method: 'access_token',
      apiKeyId: '',
      scopes: claims.scopes,
      expiresAt: new Date(claims.exp * 1000),
    };
  }
}
