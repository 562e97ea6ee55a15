// Position tables for RetNet, computed in float64 and rounded once to fp32 (ADR 0001, "Numerics"): the decay
// schedule γ_h, its powers, the row scale 1/sqrt(c_n) and the rotation angles. The graphs Gather rows of these by
// absolute position, which keeps every form bit-for-bit on the same numbers and avoids fp32 cancellation in
// 1 − γ^{n+1} for γ close to 1.

/** γ_h = 1 − 2^(−5−h). */
export function decayGammas(numHeads: number): number[] {
  return Array.from({ length: numHeads }, (_, h) => 1 - 2 ** (-5 - h));
}

/** θ_j = base^(−j/(d_k/2 − 1)), j = 0 … d_k/2 − 1. */
export function rotaryThetas(headDim: number, base: number): number[] {
  const half = headDim / 2;
  return Array.from({ length: half }, (_, j) => base ** (-j / (half - 1)));
}

/** c_n = Σ_{i=0..n} γ^i = (1 − γ^{n+1}) / (1 − γ). */
export function decaySum(gamma: number, n: number): number {
  return -Math.expm1((n + 1) * Math.log(gamma)) / (1 - gamma);
}

/** `[rows, H]` with entry (k, h) = γ_h^k for k < rows-1, and a last row of zeros (the "future" index of masks). */
export function decayPowerTable(gammas: readonly number[], maxPower: number): Float32Array {
  const H = gammas.length;
  const out = new Float32Array((maxPower + 2) * H);
  for (let k = 0; k <= maxPower; k++) {
    for (let h = 0; h < H; h++) out[k * H + h] = (gammas[h] as number) ** k;
  }
  return out;
}

/** `[maxLen, H]` with entry (n, h) = 1 / sqrt(c_n) for head h. */
export function rowScaleTable(gammas: readonly number[], maxLen: number): Float32Array {
  const H = gammas.length;
  const out = new Float32Array(maxLen * H);
  for (let n = 0; n < maxLen; n++) {
    for (let h = 0; h < H; h++) out[n * H + h] = 1 / Math.sqrt(decaySum(gammas[h] as number, n));
  }
  return out;
}

/**
 * `[maxLen, d_k]` cos and sin tables: channels 2j and 2j+1 of position n both hold cos/sin(n·θ_j), so
 * `x' = x·cos + rot(x)·sin` with rot(x)_{2j} = −x_{2j+1}, rot(x)_{2j+1} = x_{2j}.
 */
export function rotaryTables(headDim: number, base: number, maxLen: number): { cos: Float32Array; sin: Float32Array } {
  const thetas = rotaryThetas(headDim, base);
  const cos = new Float32Array(maxLen * headDim);
  const sin = new Float32Array(maxLen * headDim);
  for (let n = 0; n < maxLen; n++) {
    for (let j = 0; j < headDim / 2; j++) {
      const angle = n * (thetas[j] as number);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[n * headDim + 2 * j] = c;
      cos[n * headDim + 2 * j + 1] = c;
      sin[n * headDim + 2 * j] = s;
      sin[n * headDim + 2 * j + 1] = s;
    }
  }
  return { cos, sin };
}
