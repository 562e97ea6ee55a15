// The shape of NeuroForge access tokens (JWTs signed by the auth service, verified by anyone holding its JWKS).
import type { Role } from './permissions';

/** The only signature algorithm access tokens use: Ed25519 (RFC 8037). Anything else is refused. */
export const ACCESS_TOKEN_ALG = 'EdDSA';

/** Claims of a verified access token. */
export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  /** The user's email when the token was issued. */
  email: string;
  /** The user's role when the token was issued (refresh picks up a changed role). */
  role: Role;
  /** Scopes granted to the token; empty means everything the role allows. */
  scopes: string[];
  /** Token id; revocable on its own. */
  jti: string;
  /** Session (refresh-token family) id; revoking the session revokes its access tokens. */
  sid: string;
  iss: string;
  aud: string | string[];
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/**
 * Redis keys under which the auth service marks revoked sessions and tokens until their access tokens expire.
 * A verifier that must see revocations within the token lifetime checks them (`createJwksVerifier`'s
 * `isRevoked`); the value is irrelevant, existence means revoked.
 */
export const revocationKeys = {
  session: (prefix: string, sid: string) => `${prefix}revoked:session:${sid}`,
  token: (prefix: string, jti: string) => `${prefix}revoked:jti:${jti}`,
};

/** Default prefix of the auth service's Redis keys (`auth.*` has no prefix key: one auth service per Redis). */
export const AUTH_REDIS_PREFIX = 'neuroforge:auth:';
