// Which float32 transcendentals elementwise primitives describe: the setting behind setBackend's
// `transcendentals` option, kept here (below the compiler) so that a primitive reads it as it is
// lowered without importing the compiler. "float64" (the default): ./fastmath.ts, computed in
// double and rounded once; "float32": ./fastmath32.ts, every step a single operation (twice the
// SIMD lanes, a larger documented error). float64 tensors use `Math` either way.

/** How float32 exp, expm1, log, log1p, tanh and sigmoid are computed (see the file comment). */
export type TranscendentalPrecision = "float64" | "float32";

let precision: TranscendentalPrecision = "float64";

/** The precision descriptions are built with from now on. */
export function transcendentalPrecision(): TranscendentalPrecision {
  return precision;
}

/** Sets the precision (setBackend validates the value and empties the compiled caches). */
export function setTranscendentalPrecision(value: TranscendentalPrecision): void {
  precision = value;
}
