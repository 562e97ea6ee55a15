import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../application/ports/password-hasher.port';

// argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane): about 20–40 ms per hash here, which
// is what an attacker pays per guess. The parameters are stored inside each hash, so raising them later still
// verifies old hashes.
const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export class Argon2PasswordHasher implements PasswordHasher {
  hash(password: string): Promise<string> {
    return hash(password, PARAMS);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }
}
