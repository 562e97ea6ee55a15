// Small HTTP helpers for the gateway tests.
import { credentials, loadPackageDefinition, Metadata, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadGrpcPackageDefinition } from '@neuroforge/contracts';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (SSE, metrics, HTML)
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export interface Session {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export async function register(base: string, email: string): Promise<Session> {
  const password = 'correct horse battery';
  const answer = await call<{ user: { id: string }; tokens: { access_token: string; refresh_token: string } }>(
    base,
    'POST',
    '/api/v1/auth/register',
    { body: { email, password } },
  );
  if (answer.status !== 201) throw new Error(`register ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return {
    userId: answer.body.user.id,
    email,
    password,
    accessToken: answer.body.tokens.access_token,
    refreshToken: answer.body.tokens.refresh_token,
  };
}

export async function login(base: string, session: Pick<Session, 'email' | 'password'>): Promise<Session> {
  const answer = await call<{ user: { id: string }; tokens: { access_token: string; refresh_token: string } }>(
    base,
    'POST',
    '/api/v1/auth/login',
    { body: { email: session.email, password: session.password } },
  );
  if (answer.status !== 200) throw new Error(`login: ${answer.status} ${JSON.stringify(answer.body)}`);
  return {
    ...session,
    userId: answer.body.user.id,
    accessToken: answer.body.tokens.access_token,
    refreshToken: answer.body.tokens.refresh_token,
  };
}

/** Calls an auth RPC directly (for what the gateway does not expose, e.g. SetUserRole). */
export function authRpc<T>(address: string, method: string, request: object, token?: string): Promise<T> {
  const pkg = loadPackageDefinition(loadGrpcPackageDefinition('auth')) as never as {
    neuroforge: { auth: { v1: { AuthService: ServiceClientConstructor } } };
  };
  const client = new pkg.neuroforge.auth.v1.AuthService(address, credentials.createInsecure());
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise<T>((resolve, reject) => {
    (client as unknown as Record<string, (...a: unknown[]) => void>)[method].call(
      client,
      request,
      metadata,
      (error: Error | null, value: T) => {
        client.close();
        if (error) reject(error);
        else resolve(value);
      },
    );
  });
}

/** Reads one sample of a Prometheus text exposition (sum over matching label sets). */
export function metricValue(text: string, name: string, labelFilter = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith('{') || rest.startsWith(' '))) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    total += Number(line.split(' ').at(-1));
  }
  return total;
}
