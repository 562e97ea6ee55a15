import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_ALG, type JwkRecord } from '@neuroforge/auth-policy';
import type { mongo } from 'mongoose';
import type { ActiveSigningKey, KeyRing } from '../application/ports/key-ring.port';
import type { PrivateKeyCipher, SealedKey } from './private-key-cipher';

interface KeyDoc {
  _id: string;
  alg: string;
  publicJwk: { kty: string; crv: string; x: string };
  privateKey: SealedKey;
  createdAt: Date;
  /** The key signs new tokens until then. */
  signsUntil: Date;
  /** …and stays in the JWKS until then: the last token it signed has expired by that time. */
  verifiesUntil: Date;
}

export interface KeyRingTiming {
  rotationSeconds: number;
  accessTokenTtlSeconds: number;
}

// Leeway for clock differences between the auth service and verifiers.
const SKEW_SECONDS = 60;
// How long a replica keeps using what it read; another replica's rotation is seen within this time.
const CACHE_MS = 5_000;

/** Ed25519 signing keys in collection `signing_keys`, private halves sealed with PrivateKeyCipher. */
export class MongoKeyRing implements KeyRing {
  private readonly keys: mongo.Collection<KeyDoc>;
  private active: (ActiveSigningKey & { signsUntil: number; readAt: number }) | undefined;

  constructor(
    db: mongo.Db,
    private readonly cipher: PrivateKeyCipher,
    private readonly timing: KeyRingTiming,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = db.collection('signing_keys');
  }

  async init(): Promise<void> {
    await this.keys.createIndex({ signsUntil: -1 });
  }

  async signingKey(): Promise<ActiveSigningKey> {
    const now = this.now();
    if (this.active && this.active.signsUntil > now && now - this.active.readAt < CACHE_MS) return this.active;
    const current = await this.keys
      .find({ signsUntil: { $gt: new Date(now) } })
      .sort({ createdAt: -1 })
      .limit(1)
      .next();
    // Two replicas starting at once may each create a key; both are published, so either's tokens verify.
    const doc = current ?? (await this.create(now));
    const privateKey = createPrivateKey({
      key: this.cipher.open(doc.privateKey, doc._id),
      format: 'der',
      type: 'pkcs8',
    });
    this.active = { kid: doc._id, privateKey, signsUntil: doc.signsUntil.getTime(), readAt: now };
    return this.active;
  }

  async publicJwks(): Promise<JwkRecord[]> {
    const docs = await this.keys
      .find({ verifiesUntil: { $gt: new Date(this.now()) } })
      .sort({ createdAt: -1 })
      .toArray();
    return docs.map((d) => ({ kid: d._id, alg: d.alg, use: 'sig', ...d.publicJwk }));
  }

  async rotate(): Promise<string> {
    const now = this.now();
    const retiredVerifyUntil = new Date(now + (this.timing.accessTokenTtlSeconds + SKEW_SECONDS) * 1000);
    const doc = await this.create(now);
    // Older keys stop signing now and verify until the last token they may have signed has expired.
    await this.keys.updateMany(
      { _id: { $ne: doc._id }, signsUntil: { $gt: new Date(now) } },
      { $set: { signsUntil: new Date(now), verifiesUntil: retiredVerifyUntil } },
    );
    this.active = undefined;
    return doc._id;
  }

  private async create(now: number): Promise<KeyDoc> {
    const kid = randomUUID();
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const signsUntil = now + this.timing.rotationSeconds * 1000;
    const doc: KeyDoc = {
      _id: kid,
      alg: ACCESS_TOKEN_ALG,
      publicJwk: { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x) },
      privateKey: this.cipher.seal(privateKey.export({ format: 'der', type: 'pkcs8' }), kid),
      createdAt: new Date(now),
      signsUntil: new Date(signsUntil),
      verifiesUntil: new Date(signsUntil + (this.timing.accessTokenTtlSeconds + SKEW_SECONDS) * 1000),
    };
    await this.keys.insertOne(doc);
    return doc;
  }
}
