// Seeded random data that Node and the page produce identically, so a test can build its input from a
// seed on both sides instead of shipping arrays across.
//
// The generator is a 32-bit multiply-xorshift PRNG (the mulberry32 construction): integer-only
// arithmetic, hence bit-identical in every JS engine. Each value keeps 24 random bits,
// k / 2^23 − 1 for k in [0, 2^24), so it lies in [-1, 1) and is exact in float32: a Float32Array and a
// number[] built from the same seed hold the same values.

/** A generator of floats in [-1, 1), deterministic in `seed` (any 32-bit integer; other numbers are truncated). */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    x = (x ^ (x >>> 14)) >>> 0;
    return (x >>> 8) / 0x800000 - 1;
  };
}

/** `n` values from seededRandom(seed), as a Float32Array (exact: see the header). */
export function randomArray(n: number, seed: number): Float32Array<ArrayBuffer> {
  const next = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next();
  return out;
}
