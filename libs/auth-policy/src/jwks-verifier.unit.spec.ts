import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenErrorCode,
  createJwksVerifier,
  type JwkRecord,
  type JwksVerifierOptions,
} from './jwks-verifier';

const ISSUER = 'neuroforge-test';
const AUDIENCE = 'neuroforge-api-test';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface SigningKey {
  kid: string;
  pair: KeyPair;
  jwk: JwkRecord;
}

async function signingKey(kid: string = randomUUID()): Promise<SigningKey> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const pub = await exportJWK(pair.publicKey);
  // Shaped like GetJwks' answer: every field present, empty where it does not apply.
  const jwk: JwkRecord = {
    kid,
    kty: pub.kty ?? '',
    alg: 'EdDSA',
    use: 'sig',
    crv: pub.crv ?? '',
    x: pub.x ?? '',
    y: '',
    n: '',
    e: '',
  };
  return { kid, pair, jwk };
}

function claims(overrides: JWTPayload = {}): JWTPayload {
  return { sub: 'user-1', email: 'a@example.com', role: 'developer', scopes: [], sid: 'session-1', ...overrides };
}

async function sign(key: SigningKey, payload = claims(), expiresIn: string | number = '15m', iat?: number) {
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(randomUUID())
    .setExpirationTime(expiresIn);
  return (iat === undefined ? jwt.setIssuedAt() : jwt.setIssuedAt(iat)).sign(key.pair.privateKey);
}

function verifierFor(published: () => SigningKey[], extra: Partial<JwksVerifierOptions> = {}) {
  let fetches = 0;
  const verifier = createJwksVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    minRefreshIntervalMs: 0,
    fetchJwks: async () => {
      fetches++;
      return published().map((k) => k.jwk);
    },
    ...extra,
  });
  return { verifier, fetches: () => fetches };
}

async function refusal(promise: Promise<unknown>): Promise<AccessTokenErrorCode> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: AccessTokenErrorCode }).code;
  }
  throw new Error('expected the token to be refused');
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

let active: SigningKey;
beforeAll(async () => {
  active = await signingKey();
});

describe('createJwksVerifier', () => {
  it('accepts a token signed by a published key and returns its claims', async () => {
    const { verifier } = verifierFor(() => [active]);
    const token = await sign(active, claims({ scopes: ['generate'] }));
    await expect(verifier.verify(token)).resolves.toMatchObject({
      sub: 'user-1',
      role: 'developer',
      scopes: ['generate'],
      sid: 'session-1',
      iss: ISSUER,
    });
  });

  it('refuses alg none, even with a known kid and valid claims', async () => {
    const { verifier, fetches } = verifierFor(() => [active]);
    const now = Math.floor(Date.now() / 1000);
    const body = { ...claims(), iss: ISSUER, aud: AUDIENCE, jti: 'x', iat: now, exp: now + 60 };
    const unsigned = `${b64({ alg: 'none', kid: active.kid })}.${b64(body)}.`;
    expect(await refusal(verifier.verify(unsigned))).toBe('AUTH.TOKEN_INVALID');
    expect(fetches()).toBe(0);
  });

  it('refuses another algorithm (HS256 keyed with the public key: key confusion)', async () => {
    const { verifier } = verifierFor(() => [active]);
    const secret = new TextEncoder().encode(active.jwk.x);
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: active.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    expect(await refusal(verifier.verify(hs))).toBe('AUTH.TOKEN_INVALID');
  });

  it('refuses a wrong signature: signed by another key under a published kid', async () => {
    const impostor = await signingKey(active.kid);
    const { verifier } = verifierFor(() => [active]);
    expect(await refusal(verifier.verify(await sign(impostor)))).toBe('AUTH.TOKEN_INVALID');
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const { verifier } = verifierFor(() => [active]);
    const [h, p, s] = (await sign(active)).split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${b64({ ...payload, role: 'admin' })}.${s}`;
    expect(await refusal(verifier.verify(tampered))).toBe('AUTH.TOKEN_INVALID');
  });

  it('reports an expired token as expired', async () => {
    const { verifier } = verifierFor(() => [active]);
    const past = Math.floor(Date.now() / 1000) - 120;
    expect(await refusal(verifier.verify(await sign(active, claims(), past + 60, past)))).toBe('AUTH.TOKEN_EXPIRED');
  });

  it('refuses a wrong issuer or audience', async () => {
    const { verifier } = verifierFor(() => [active]);
    const other = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', kid: active.kid })
      .setIssuer('someone-else')
      .setAudience(AUDIENCE)
      .setJti('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(active.pair.privateKey);
    expect(await refusal(verifier.verify(other))).toBe('AUTH.TOKEN_INVALID');
  });

  it('refuses tokens with an unknown role or missing claims', async () => {
    const { verifier } = verifierFor(() => [active]);
    expect(await refusal(verifier.verify(await sign(active, claims({ role: 'root' }))))).toBe('AUTH.TOKEN_INVALID');
    expect(await refusal(verifier.verify(await sign(active, claims({ sid: undefined }))))).toBe('AUTH.TOKEN_INVALID');
  });

  it('caches the key set and refetches it when a token names an unknown kid (rotation)', async () => {
    const next = await signingKey();
    let published = [active];
    const { verifier, fetches } = verifierFor(() => published);
    await verifier.verify(await sign(active));
    await verifier.verify(await sign(active));
    expect(fetches()).toBe(1);
    published = [next, active];
    await expect(verifier.verify(await sign(next))).resolves.toMatchObject({ sub: 'user-1' });
    expect(fetches()).toBe(2);
    // The previous key still verifies the tokens it signed.
    await expect(verifier.verify(await sign(active))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('limits refetches caused by unknown kids', async () => {
    const stranger = await signingKey();
    const { verifier, fetches } = verifierFor(() => [active], { minRefreshIntervalMs: 60_000 });
    await verifier.verify(await sign(active));
    for (let i = 0; i < 3; i++) expect(await refusal(verifier.verify(await sign(stranger)))).toBe('AUTH.TOKEN_INVALID');
    expect(fetches()).toBe(1);
  });

  it('refetches the key set once the cache time has passed', async () => {
    let clock = Date.now();
    const { verifier, fetches } = verifierFor(() => [active], { cacheSeconds: 10, now: () => clock });
    const token = await sign(active);
    await verifier.verify(token);
    clock += 11_000;
    await verifier.verify(token);
    expect(fetches()).toBe(2);
  });

  it('refuses a token the revocation check reports', async () => {
    const { verifier } = verifierFor(() => [active], { isRevoked: async (c) => c.sid === 'session-1' });
    expect(await refusal(verifier.verify(await sign(active)))).toBe('AUTH.TOKEN_REVOKED');
  });
});
