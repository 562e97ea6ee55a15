// Seeded PRNG for sampling: xoshiro128** (Blackman & Vigna), 128-bit state, seeded from a uint64 through splitmix64
// as its authors recommend. Each sequence owns one generator, so a sequence's tokens depend only on its own seed,
// never on what else shares its batch.

const MASK64 = (1n << 64n) - 1n;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds the state with two splitmix64 outputs of `seed` (taken modulo 2^64). */
  constructor(seed: bigint | number) {
    let x = BigInt.asUintN(64, BigInt(seed));
    const splitmix64 = (): bigint => {
      x = (x + 0x9e3779b97f4a7c15n) & MASK64;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
      return z ^ (z >> 31n);
    };
    const a = splitmix64();
    const b = splitmix64();
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
  }

  /** A generator with this exact state (for reference vectors); the state must not be all zero. */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128StarStar {
    const rng = new Xoshiro128StarStar(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((v) => v | 0) as [number, number, number, number];
    return rng;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Next uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }
}

/** A fresh random seed (used when a request gives none; returned so the request can be replayed). */
export function randomSeed(): bigint {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(words[0] as number) << 32n) | BigInt(words[1] as number);
}
