import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

// `nf_<id>_<secret>`: the id (32 hex digits) finds the stored hash in one indexed read; the secret is 256 random
// bits, so an unsalted SHA-256 is enough (nothing to brute-force) and keeps verification fast.
const FORMAT = /^nf_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKeySecret {
  apiKeyId: string;
  secret: string;
  prefix: string;
  secretHash: string;
}

export function newApiKeySecret(): NewApiKeySecret {
  const apiKeyId = randomUUID().replaceAll('-', '');
  const secret = `nf_${apiKeyId}_${randomBytes(32).toString('base64url')}`;
  return { apiKeyId, secret, prefix: secret.slice(0, 11), secretHash: hashSecret(secret) };
}

export function parseApiKey(value: string): { apiKeyId: string } | null {
  const match = FORMAT.exec(value);
  return match ? { apiKeyId: match[1] } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
