// How many cases each property runs. CI uses the numbers written in the properties (≥ 100);
// a soak run multiplies them: FLUXION_PROPS_SCALE=10 npm run test:props.

const scale = Math.max(1, Number(process.env.FLUXION_PROPS_SCALE ?? 1) || 1);

/** fast-check parameters for `n` cases (times the soak scale). */
export function runs(n: number): { numRuns: number } {
  return { numRuns: Math.round(n * scale) };
}
