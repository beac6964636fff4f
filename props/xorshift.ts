// A seeded xorshift32 stream for the props' deterministic data (the same seed, the same values).

/** Uniform numbers in [0, 1) from a 32-bit xorshift seeded with `seed` (0 counts as 1). */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
