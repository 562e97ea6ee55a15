import type { Role } from '@neuroforge/auth-policy';

/** Who is calling, established at the edge from an access token or an API key. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  method: 'access_token' | 'api_key';
  /** The API key's id (api_key) or the session id (access_token). */
  credentialId: string;
  /** Empty means everything the role allows. */
  scopes: string[];
}

/** What the edge attaches to every request it lets through. */
export interface EdgeRequestState {
  principal?: Principal;
  requestId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The raw credential the principal was established from (forwarded to auth for API-key management). */
    credential?: string;
    /**
     * Revocation marks of the credential that AuthGuard left for RateLimitGuard to check in its admission script
     * (one Redis round trip for both); a request must not reach a handler before they are checked.
     */
    revocationKeys?: readonly string[];
  }
}
