// Local verification of access tokens against the auth service's JWKS, for the gateway (and the auth service's
// own VerifyToken). The JWKS is cached; a token signed by a key not in the cache triggers one refresh (keys
// rotate), rate-limited so that forged `kid`s cannot turn every request into a JWKS fetch.
import { decodeProtectedHeader, errors, importJWK, type JWK, jwtVerify } from 'jose';
import { ACCESS_TOKEN_ALG, type AccessTokenClaims } from './access-token';
import { isRole } from './permissions';

export type AccessTokenErrorCode = 'AUTH.TOKEN_INVALID' | 'AUTH.TOKEN_EXPIRED' | 'AUTH.TOKEN_REVOKED';

/** Why a token was refused; `code` is the stable error code to return to the caller. */
export class AccessTokenError extends Error {
  constructor(
    readonly code: AccessTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

/** A JWK as GetJwks returns it: string fields, empty where they do not apply to the key type. */
export type JwkRecord = { kid: string; kty: string; alg: string; use: string } & Partial<Record<string, string>>;

export interface JwksVerifierOptions {
  /** Fetches the current key set (e.g. the GetJwks RPC). */
  fetchJwks: () => Promise<readonly JwkRecord[]>;
  issuer: string;
  audience: string;
  /** How long a fetched key set is used before it is fetched again (auth.jwks_cache_seconds). */
  cacheSeconds?: number;
  /** Least time between two fetches caused by unknown `kid`s (default 1000 ms). */
  minRefreshIntervalMs?: number;
  /** Leeway for `exp`/`iat` between machines' clocks (default 0). */
  clockToleranceSeconds?: number;
  /** Optional revocation check (e.g. the Redis keys in `revocationKeys`); true refuses the token. */
  isRevoked?: (claims: AccessTokenClaims) => Promise<boolean>;
  /** Clock in ms, for tests. */
  now?: () => number;
}

export interface JwksVerifier {
  /** Verifies signature, algorithm, issuer, audience, expiry, claim shapes and revocation; throws AccessTokenError. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** Drops the cached key set so the next verification fetches it. */
  invalidate(): void;
}

/** Drops the empty fields a proto JWK carries for other key types. */
export function toJwk(record: JwkRecord): JWK {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => typeof v === 'string' && v !== '')) as JWK;
}

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export function createJwksVerifier(options: JwksVerifierOptions): JwksVerifier {
  const now = options.now ?? Date.now;
  const cacheMs = (options.cacheSeconds ?? 300) * 1000;
  const minRefreshMs = options.minRefreshIntervalMs ?? 1000;
  let keys = new Map<string, Promise<KeyLike>>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    inflight ??= (async () => {
      try {
        const records = await options.fetchJwks();
        const next = new Map<string, Promise<KeyLike>>();
        for (const record of records) {
          // Only signature keys for our one algorithm are usable; others are ignored, not trusted.
          if (record.alg !== ACCESS_TOKEN_ALG || (record.use && record.use !== 'sig')) continue;
          const imported = importJWK(toJwk(record), ACCESS_TOKEN_ALG);
          imported.catch(() => undefined); // surfaced when a token names this kid
          next.set(record.kid, imported);
        }
        keys = next;
        fetchedAt = now();
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  const keyFor = async (kid: string): Promise<KeyLike> => {
    if (now() - fetchedAt >= cacheMs) await refresh();
    let key = keys.get(kid);
    if (!key && now() - fetchedAt >= minRefreshMs) {
      await refresh();
      key = keys.get(kid);
    }
    if (!key) throw new AccessTokenError('AUTH.TOKEN_INVALID', `token signed by unknown key ${JSON.stringify(kid)}`);
    return key;
  };

  return {
    invalidate: () => {
      fetchedAt = Number.NEGATIVE_INFINITY;
    },
    async verify(token: string): Promise<AccessTokenClaims> {
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw new AccessTokenError('AUTH.TOKEN_INVALID', 'malformed access token');
      }
      // Checked before any key lookup: `none`, HMAC (key-confusion) and every other algorithm are refused.
      if (header.alg !== ACCESS_TOKEN_ALG) {
        throw new AccessTokenError('AUTH.TOKEN_INVALID', `algorithm ${String(header.alg)} is not accepted`);
      }
      if (typeof header.kid !== 'string' || header.kid === '') {
        throw new AccessTokenError('AUTH.TOKEN_INVALID', 'access token has no kid header');
      }
      const key = await keyFor(header.kid);
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, await key, {
          algorithms: [ACCESS_TOKEN_ALG],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 0,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'jti', 'exp', 'iat'],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw new AccessTokenError('AUTH.TOKEN_EXPIRED', 'access token expired');
        if (error instanceof AccessTokenError) throw error;
        throw new AccessTokenError('AUTH.TOKEN_INVALID', `access token refused: ${(error as Error).message}`);
      }
      const claims = asClaims(payload);
      if (options.isRevoked && (await options.isRevoked(claims))) {
        throw new AccessTokenError('AUTH.TOKEN_REVOKED', 'access token revoked');
      }
      return claims;
    },
  };
}

function asClaims(payload: Record<string, unknown>): AccessTokenClaims {
  const { sub, email, role, scopes, jti, sid, iss, aud, iat, exp } = payload;
  const strings = [sub, email, jti, sid, iss].every((v) => typeof v === 'string');
  const scopeList = Array.isArray(scopes) && scopes.every((s) => typeof s === 'string');
  if (!strings || typeof role !== 'string' || !isRole(role) || !scopeList) {
    throw new AccessTokenError('AUTH.TOKEN_INVALID', 'access token claims are incomplete');
  }
  return {
    sub: sub as string,
    email: email as string,
    role,
    scopes: scopes as string[],
    jti: jti as string,
    sid: sid as string,
    iss: iss as string,
    aud: aud as string | string[],
    iat: iat as number,
    exp: exp as number,
  };
}
