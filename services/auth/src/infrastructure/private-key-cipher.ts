import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** An encrypted private key as stored: AES-256-GCM over its PKCS#8 DER. */
export interface SealedKey {
  iv: string;
  tag: string;
  data: string;
}

// Used when auth.signing_key_secret is empty (development and tests only: config refuses it in production).
// Keys are then still never stored or logged in clear, but anyone with this source can decrypt them.
const DEVELOPMENT_SECRET = 'neuroforge-development-signing-key-secret-not-for-production';

/** Encrypts signing keys at rest with a key derived (HKDF-SHA256) from auth.signing_key_secret. */
export class PrivateKeyCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret || DEVELOPMENT_SECRET, 'neuroforge-auth', 'jwt-signing-keys', 32));
  }

  seal(plain: Buffer, kid: string): SealedKey {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(kid)); // binds the ciphertext to its key id: rows cannot be swapped
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(sealed: SealedKey, kid: string): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  }
}
