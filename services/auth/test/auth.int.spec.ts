import { createJwksVerifier, type JwkRecord } from '@neuroforge/auth-policy';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthApp, errorCode, readTopic, startAuthApp } from './auth-app.fixture';

const ADMIN_EMAIL = 'root@nf-test.example';
const PASSWORD = 'correct horse battery staple';

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresInSeconds: number;
  refreshTokenExpiresInSeconds: number;
}
interface UserMsg {
  userId: string;
  email: string;
  role: string;
}

let app: AuthApp;
const email = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}@nf-test.example`;
const bearer = (t: TokenPair) => ({ authorization: `Bearer ${t.accessToken}` });

async function register(address: string, password = PASSWORD) {
  return app.call<{ user: UserMsg; tokens: TokenPair }>('register', { email: address, password, displayName: '' });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; details: string };
    return { code: errorCode(error), status: e.code, details: e.details };
  }
  throw new Error('expected the call to fail');
}

function jwksVerifier() {
  return createJwksVerifier({
    fetchJwks: async () => (await app.call<{ keys: JwkRecord[] }>('getJwks', {})).keys,
    issuer: app.config.auth.issuer,
    audience: app.config.auth.audience,
    minRefreshIntervalMs: 0,
  });
}

beforeAll(async () => {
  app = await startAuthApp({ NEUROFORGE_AUTH__BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL });
});
afterAll(async () => {
  await app?.close();
});

describe('register, login, tokens', () => {
  it('registers a viewer, logs in, and issues an EdDSA token that verifies against the JWKS', async () => {
    const address = email('ada');
    const registered = await register(address);
    expect(registered.user).toMatchObject({ email: address, role: 'ROLE_VIEWER', displayName: address.split('@')[0] });
    const login = await app.call<{ user: UserMsg; tokens: TokenPair }>('login', {
      email: address.toUpperCase(),
      password: PASSWORD,
    });
    expect(login.user.userId).toBe(registered.user.userId);
    expect(login.tokens.accessTokenExpiresInSeconds).toBe(900);

    const { keys } = await app.call<{ keys: JwkRecord[] }>('getJwks', {});
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', y: '', n: '', e: '' });
    expect('d' in keys[0]).toBe(false);
    const header = decodeProtectedHeader(login.tokens.accessToken);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: keys[0].kid });

    // Plain jose against the published set, as any third party would.
    const set = createLocalJWKSet({
      keys: keys.map(({ kid, kty, crv, x, alg, use }) => ({ kid, kty, crv, x, alg, use })),
    });
    const { payload } = await jwtVerify(login.tokens.accessToken, set, {
      issuer: app.config.auth.issuer,
      audience: app.config.auth.audience,
      algorithms: ['EdDSA'],
    });
    expect(payload).toMatchObject({ sub: registered.user.userId, role: 'viewer', scopes: [], email: address });
    expect(typeof payload.jti).toBe('string');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
    // And through the helper exported for the gateway.
    await expect(jwksVerifier().verify(login.tokens.accessToken)).resolves.toMatchObject({
      sub: registered.user.userId,
    });
  });

  it('makes only the configured bootstrap email an admin', async () => {
    const admin = await register(ADMIN_EMAIL);
    expect(admin.user.role).toBe('ROLE_ADMIN');
    const other = await register(email('second'));
    expect(other.user.role).toBe('ROLE_VIEWER');
  });

  it('rotates refresh tokens, and reuse of a rotated one revokes the whole session', async () => {
    const { tokens: first } = await register(email('rot'));
    const { tokens: second } = await app.call<{ tokens: TokenPair }>('refresh', { refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.refreshTokenExpiresInSeconds).toBeLessThanOrEqual(first.refreshTokenExpiresInSeconds);
    await expect(app.call('verifyToken', { accessToken: second.accessToken })).resolves.toBeTruthy();

    const reused = await refusal(app.call('refresh', { refreshToken: first.refreshToken }));
    expect(reused.code).toBe('AUTH.TOKEN_REUSED');
    expect(reused.status).toBe(16); // UNAUTHENTICATED
    // The successor stops working too, and so do the session's access tokens.
    expect((await refusal(app.call('refresh', { refreshToken: second.refreshToken }))).code).toBe('AUTH.TOKEN_REVOKED');
    expect((await refusal(app.call('verifyToken', { accessToken: second.accessToken }))).code).toBe(
      'AUTH.TOKEN_REVOKED',
    );
    const revokedKey = `${app.redisPrefix}revoked:session:`;
    expect((await app.infra.redis.keys(`${revokedKey}*`)).length).toBeGreaterThanOrEqual(1);
  });

  it('logout revokes the session; all_sessions revokes every session of the user', async () => {
    const address = email('logout');
    const { tokens: a } = await register(address);
    const { tokens: b } = await app.call<{ tokens: TokenPair }>('login', { email: address, password: PASSWORD });
    const { tokens: c } = await app.call<{ tokens: TokenPair }>('login', { email: address, password: PASSWORD });
    expect(await app.call('revoke', { refreshToken: a.refreshToken, allSessions: false })).toEqual({ revokedCount: 1 });
    await expect(app.call('verifyToken', { accessToken: b.accessToken })).resolves.toBeTruthy();
    expect(await app.call('revoke', { refreshToken: b.refreshToken, allSessions: true })).toEqual({ revokedCount: 2 });
    expect((await refusal(app.call('refresh', { refreshToken: c.refreshToken }))).code).toBe('AUTH.TOKEN_REVOKED');
    expect((await refusal(app.call('verifyToken', { accessToken: c.accessToken }))).code).toBe('AUTH.TOKEN_REVOKED');
  });

  it('refuses an unknown refresh token', async () => {
    expect((await refusal(app.call('refresh', { refreshToken: 'nfr_not-a-token' }))).code).toBe('AUTH.TOKEN_INVALID');
  });

  it('VerifyToken refuses alg none and a token with a forged signature', async () => {
    const { tokens } = await register(email('forge'));
    const [h, p] = tokens.accessToken.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${p}.`;
    expect((await refusal(app.call('verifyToken', { accessToken: none }))).code).toBe('AUTH.TOKEN_INVALID');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url')}.${tokens.accessToken.split('.')[2]}`;
    expect((await refusal(app.call('verifyToken', { accessToken: forged }))).code).toBe('AUTH.TOKEN_INVALID');
  });

  it('keeps tokens signed by a rotated-out key verifiable, and signs new ones with the new key', async () => {
    const { tokens: before } = await register(email('keyrot'));
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const verifier = jwksVerifier();
    await verifier.verify(before.accessToken);
    const newKid = await app.infra.keyRing.rotate();
    const { tokens: after } = await app.call<{ tokens: TokenPair }>('refresh', { refreshToken: before.refreshToken });
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    const { keys } = await app.call<{ keys: JwkRecord[] }>('getJwks', {});
    expect(keys.map((k) => k.kid).slice(0, 2)).toEqual([newKid, oldKid]);
    // The cached verifier meets an unknown kid, refetches, and verifies both generations.
    await expect(verifier.verify(after.accessToken)).resolves.toBeTruthy();
    await expect(verifier.verify(before.accessToken)).resolves.toBeTruthy();
    await expect(app.call('verifyToken', { accessToken: before.accessToken })).resolves.toBeTruthy();
  });

  it('stores signing keys sealed: no private JWK, ciphertext only', async () => {
    const docs = await app.infra.connection.db?.collection('signing_keys').find().toArray();
    expect(docs?.length).toBeGreaterThanOrEqual(1);
    for (const doc of docs ?? []) {
      expect(doc.publicJwk.d).toBeUndefined();
      expect(Object.keys(doc.privateKey).sort()).toEqual(['data', 'iv', 'tag']);
    }
  });
});

describe('validation and errors', () => {
  it('names every invalid field of Register', async () => {
    const bad = await refusal(app.call('register', { email: 'not-an-email', password: 'short', displayName: '' }));
    expect(bad.code).toBe('AUTH.INVALID_ARGUMENT');
    expect(bad.status).toBe(3);
    expect(bad.details).toContain('email');
    expect(bad.details).toContain('password must be at least 12 characters');
  });

  it('refuses a taken email, whatever its case', async () => {
    const address = email('dup');
    await register(address);
    const taken = await refusal(register(address.toUpperCase()));
    expect(taken).toMatchObject({ code: 'AUTH.EMAIL_TAKEN', status: 6 });
  });

  it('answers a wrong password and an unknown email identically, in similar time', async () => {
    const address = email('timing');
    await register(address);
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      const r = await refusal(fn());
      return { ms: performance.now() - start, r };
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await time(() => app.call('login', { email: address, password: 'wrong password 123' }));
      const u = await time(() => app.call('login', { email: email('nobody'), password: 'wrong password 123' }));
      expect(u.r).toEqual(w.r);
      expect(w.r).toMatchObject({ code: 'AUTH.INVALID_CREDENTIALS', status: 16 });
      wrong.push(w.ms);
      unknown.push(u.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    // Both pay one argon2id verification; an unknown email must not answer markedly faster.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
  });

  it('refuses user-management calls without a credential or without the permission', async () => {
    const { tokens } = await register(email('viewer'));
    expect((await refusal(app.call('listUsers', {}))).code).toBe('AUTH.UNAUTHENTICATED');
    expect(await refusal(app.call('listUsers', {}, bearer(tokens)))).toMatchObject({
      code: 'AUTH.PERMISSION_DENIED',
      status: 7,
    });
    const bad = await refusal(app.call('setUserRole', { userId: 'x', role: 'ROLE_UNSPECIFIED' }, bearer(tokens)));
    expect(bad.code).toBe('AUTH.INVALID_ARGUMENT');
    expect(bad.details).toContain('user_id');
    expect(bad.details).toContain('role');
  });
});

describe('roles and API keys', () => {
  let admin: TokenPair;
  let dev: { user: UserMsg; tokens: TokenPair };

  beforeAll(async () => {
    admin = (await app.call<{ tokens: TokenPair }>('login', { email: ADMIN_EMAIL, password: PASSWORD })).tokens;
    dev = await register(email('dev'));
  });

  it('lets an admin change a role, and refresh picks the new role up', async () => {
    const changed = await app.call<{ user: UserMsg }>(
      'setUserRole',
      { userId: dev.user.userId, role: 'ROLE_DEVELOPER' },
      bearer(admin),
    );
    expect(changed.user.role).toBe('ROLE_DEVELOPER');
    dev.tokens = (await app.call<{ tokens: TokenPair }>('refresh', { refreshToken: dev.tokens.refreshToken })).tokens;
    const { principal } = await app.call<{ principal: { role: string } }>('verifyToken', {
      accessToken: dev.tokens.accessToken,
    });
    expect(principal.role).toBe('ROLE_DEVELOPER');
    const list = await app.call<{ users: UserMsg[] }>('listUsers', { role: 'ROLE_DEVELOPER' }, bearer(admin));
    expect(list.users.map((u) => u.userId)).toContain(dev.user.userId);
  });

  it('creates a key shown once, verifies it, and a revoked key fails at once', async () => {
    const created = await app.call<{ apiKey: { apiKeyId: string; prefix: string; scopes: string[] }; secret: string }>(
      'createApiKey',
      { userId: '', name: 'ci', scopes: ['generate', 'models:read'], expiresInDays: 30 },
      bearer(dev.tokens),
    );
    expect(created.secret).toMatch(/^nf_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    const stored = await app.infra.connection.db
      ?.collection('api_key_secrets')
      .findOne({ _id: created.apiKey.apiKeyId as never });
    expect(JSON.stringify(stored)).not.toContain(created.secret.split('_').pop());

    const verified = await app.call<{ principal: Record<string, unknown> }>('verifyApiKey', { apiKey: created.secret });
    expect(verified.principal).toMatchObject({
      userId: dev.user.userId,
      role: 'ROLE_DEVELOPER',
      authMethod: 'AUTH_METHOD_API_KEY',
      apiKeyId: created.apiKey.apiKeyId,
      scopes: ['generate', 'models:read'],
    });
    const tampered = `${created.secret.slice(0, -1)}${created.secret.endsWith('A') ? 'B' : 'A'}`;
    expect((await refusal(app.call('verifyApiKey', { apiKey: tampered }))).code).toBe('AUTH.KEY_INVALID');

    await app.call('revokeApiKey', { apiKeyId: created.apiKey.apiKeyId }, bearer(dev.tokens));
    expect(await refusal(app.call('verifyApiKey', { apiKey: created.secret }))).toMatchObject({
      code: 'AUTH.KEY_REVOKED',
      status: 16,
    });
    const listed = await app.call<{ apiKeys: { revoked: boolean }[] }>(
      'listApiKeys',
      { userId: '', includeRevoked: true },
      bearer(dev.tokens),
    );
    expect(listed.apiKeys).toEqual([expect.objectContaining({ revoked: true })]);
  });

  it('refuses scopes beyond the role, keys for viewers, and keys for others unless admin', async () => {
    const tooMuch = await refusal(
      app.call('createApiKey', { name: 'x', scopes: ['users:admin'], expiresInDays: 0 }, bearer(dev.tokens)),
    );
    expect(tooMuch).toMatchObject({ code: 'AUTH.SCOPE_NOT_ALLOWED', status: 3 });
    const unknown = await refusal(app.call('createApiKey', { name: 'x', scopes: ['root'] }, bearer(dev.tokens)));
    expect(unknown.details).toContain('scopes[0]');
    const viewer = await register(email('noKeys'));
    expect((await refusal(app.call('createApiKey', { name: 'x' }, bearer(viewer.tokens)))).code).toBe(
      'AUTH.PERMISSION_DENIED',
    );
    const forOther = await refusal(
      app.call('createApiKey', { userId: viewer.user.userId, name: 'x' }, bearer(dev.tokens)),
    );
    expect(forOther.code).toBe('AUTH.PERMISSION_DENIED');
    const byAdmin = await app.call<{ apiKey: { userId: string } }>(
      'createApiKey',
      { userId: dev.user.userId, name: 'from-admin', scopes: ['generate'] },
      bearer(admin),
    );
    expect(byAdmin.apiKey.userId).toBe(dev.user.userId);
  });

  it('an API key authenticates management calls within its scopes only', async () => {
    const { secret } = await app.call<{ secret: string }>(
      'createApiKey',
      { name: 'gen-only', scopes: ['generate'] },
      bearer(dev.tokens),
    );
    const denied = await refusal(app.call('createApiKey', { name: 'child' }, { 'x-api-key': secret }));
    expect(denied.code).toBe('AUTH.PERMISSION_DENIED');
  });
});

describe('audit events', () => {
  it('publishes logins, failures, role changes, key changes and refresh reuse on the auth topic', async () => {
    const wanted = [
      'neuroforge.auth.user_registered.v1',
      'neuroforge.auth.user_logged_in.v1',
      'neuroforge.auth.login_failed.v1',
      'neuroforge.auth.role_changed.v1',
      'neuroforge.auth.api_key_created.v1',
      'neuroforge.auth.api_key_revoked.v1',
      'neuroforge.auth.refresh_token_reused.v1',
    ];
    const seen = await readTopic(app.kafka, app.topic, (types) => wanted.every((t) => types.includes(t)));
    expect(new Set(seen.map((s) => s.type))).toEqual(expect.objectContaining(new Set(wanted)));
    for (const t of wanted) expect(seen.map((s) => s.type)).toContain(t);
    const unknownFailure = seen.find((s) => s.type === 'neuroforge.auth.login_failed.v1' && s.data.userId === '');
    expect(unknownFailure?.data.reasonCode).toBe('AUTH.USER_UNKNOWN');
    const everything = JSON.stringify(seen);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain('argon2');
    expect(everything).not.toMatch(/nf_[0-9a-f]{32}_/);
  });
});

describe('short access-token lifetime', () => {
  let short: AuthApp;
  beforeAll(async () => {
    short = await startAuthApp({ NEUROFORGE_AUTH__ACCESS_TOKEN_TTL_SECONDS: '1' });
  });
  afterAll(async () => {
    await short?.close();
  });

  it('refuses an expired access token as expired', async () => {
    const { tokens } = await short.call<{ tokens: TokenPair }>('register', {
      email: email('short'),
      password: PASSWORD,
    });
    expect(tokens.accessTokenExpiresInSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await refusal(short.call('verifyToken', { accessToken: tokens.accessToken }));
    expect(expired).toMatchObject({ code: 'AUTH.TOKEN_EXPIRED', status: 16 });
  });
});
