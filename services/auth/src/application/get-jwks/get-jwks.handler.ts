import { Inject, Injectable } from '@nestjs/common';
import type { JwkRecord } from '@neuroforge/auth-policy';
import { KEY_RING, type KeyRing } from '../ports/key-ring.port';

@Injectable()
export class GetJwksHandler {
  constructor(@Inject(KEY_RING) private readonly keys: KeyRing) {}

  async execute(): Promise<JwkRecord[]> {
    // Makes sure a current key exists (first start), so the set is never empty.
    await this.keys.signingKey();
    return this.keys.publicJwks();
  }
}
