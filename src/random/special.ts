// The special functions the samplers need: the inverse error function as fluxion ops (so it
// runs inside `jit` on traced uniforms), and erf / nextafter on JS numbers (for static bounds).

import { abs, add, equal, less, log1p, mul, neg, sqrt, sub, where } from "../prims/index.js";
import { scalar } from "../tensor/create.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

// M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single-precision
// version: erfinv(x) = x·p(w) with w = −log(1 − x²), p a degree-8 polynomial in w − 2.5 when
// w < 5 and in √w − 3 otherwise. This is the approximation XLA uses for float32 erf_inv, with
// w computed as −log1p(−x²) as XLA does. Highest power first.
const CENTRAL = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 2.1858087e-4, -1.25372503e-3, -4.17768164e-3, 2.46640727e-1,
  1.50140941,
];
const TAIL = [
  -2.00214257e-4, 1.00950558e-4, 1.34934322e-3, -3.67342844e-3, 5.73950773e-3, -7.6224613e-3, 9.43887047e-3, 1.00167406,
  2.83297682,
];

/**
 * The inverse error function of a float tensor in (−1, 1), computed op by op in its dtype;
 * ±1 give ±∞. Relative error about 4e-7 (Giles' bound for the single-precision version) in
 * float32 and float64 alike: float64 inputs get float64 arithmetic but the same polynomial.
 */
export function erfinv(x: Tensor): Tensor {
  const c = (v: number) => scalar(v, x.dtype);
  const w = neg(log1p(neg(mul(x, x))));
  const central = less(w, c(5));
  const t = where(central, sub(w, c(2.5)), sub(sqrt(w), c(3)));
  let p = where(central, c(CENTRAL[0]!), c(TAIL[0]!));
  for (let i = 1; i < CENTRAL.length; i++) p = add(where(central, c(CENTRAL[i]!), c(TAIL[i]!)), mul(p, t));
  return where(equal(abs(x), c(1)), mul(x, c(Infinity)), mul(p, x));
}

/**
 * erf of a JS number in double precision: (2/√π)·e^(−x²)·Σ (2x²)ⁿ·x / (1·3·…·(2n+1)), a series
 * of positive terms (no cancellation); |x| ≥ 6 gives ±1 (erf(6) = 1 − 2e-17).
 */
export function erfNumber(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) >= 6) return Math.sign(x);
  const x2 = x * x;
  let term = x;
  let total = x;
  for (let n = 1; n < 400 && Math.abs(term) > 1e-17 * Math.abs(total); n++) {
    term *= (2 * x2) / (2 * n + 1);
    total += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * total;
}

/** Rounds a JS number to what a `dtype` float holds. */
export function roundTo(x: number, dtype: DType): number {
  return dtype === "float32" ? Math.fround(x) : x;
}

/** The next `dtype` float after `x` (itself a `dtype` value) in the direction of `toward`. */
export function nextAfter(x: number, toward: number, dtype: DType): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return toward;
  const up = toward > x;
  if (dtype === "float32") {
    const f = new Float32Array(1);
    const bitsView = new Int32Array(f.buffer);
    if (x === 0) {
      bitsView[0] = 1;
      return up ? f[0]! : -f[0]!;
    }
    f[0] = x;
    bitsView[0] = bitsView[0]! + ((x > 0) === up ? 1 : -1);
    return f[0]!;
  }
  const d = new Float64Array(1);
  const words = new BigInt64Array(d.buffer);
  if (x === 0) {
    words[0] = 1n;
    return up ? d[0]! : -d[0]!;
  }
  d[0] = x;
  words[0] = words[0]! + ((x > 0) === up ? 1n : -1n);
  return d[0]!;
}
