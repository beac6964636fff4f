// The special functions the samplers need: the inverse error function as fluxion ops (so it
// runs inside `jit` on traced uniforms), and erf / nextafter on JS numbers (for static bounds).

import { abs, add, equal, less, log, log1p, mul, neg, sqrt, sub, where } from "../prims/index.js";
import { scalar } from "../tensor/create.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

// M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): erfinv(x) = x·p(t)
// with w = −log(1 − x²) and p a polynomial in t, a shifted w or √w per region. Coefficients
// are the paper's, highest power first.
//
// Single precision (used for float32, as XLA does for float32 erf_inv, with w = −log1p(−x²)):
// t = w − 2.5 when w < 5, else √w − 3.
const F32_CENTRAL = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 2.1858087e-4, -1.25372503e-3, -4.17768164e-3, 2.46640727e-1,
  1.50140941,
];
const F32_TAIL = [
  -2.00214257e-4, 1.00950558e-4, 1.34934322e-3, -3.67342844e-3, 5.73950773e-3, -7.6224613e-3, 9.43887047e-3, 1.00167406,
  2.83297682,
];
// Double precision (used for float64, with w = −log((1 − x)(1 + x)), accurate up to |x| → 1):
// t = w − 3.125 when w < 6.25, √w − 3.25 when w < 16, else √w − 5.
const F64_CENTRAL = [
  -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18, 1.115787767802518096e-17,
  -1.333171662854620906e-16, 2.0972767875968561637e-17, 6.6376381343583238325e-15, -4.0545662729752068639e-14,
  -8.1519341976054721522e-14, 2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
  1.051212273321532285e-9, -4.1126339803469836976e-9, -2.9070369957882005086e-8, 4.2347877827932403518e-7,
  -1.3654692000834678645e-6, -1.3882523362786468719e-5, 1.867342080340571352e-4, -7.4070253416626697512e-4,
  -6.0336708714301490533e-3, 2.4015818242558961693e-1, 1.6536545626831027356,
];
const F64_MIDDLE = [
  2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7, 1.8239629214389227755e-8,
  1.5027403968909827627e-6, -4.013867526981545969e-6, 2.9234449089955446044e-6, 1.2475304481671778723e-5,
  -4.7318229009055733981e-5, 6.8284851459573175448e-5, 2.4031110387097893999e-5, -3.550375203628474796e-4,
  9.5328937973738049703e-4, -1.6882755560235047313e-3, 2.4914420961078508066e-3, -3.7512085075692412107e-3,
  5.370914553590063617e-3, 1.0052589676941592334, 3.0838856104922207635,
];
const F64_TAIL = [
  -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9, -3.7894654401267369937e-9,
  7.6157012080783393804e-9, -1.4960026627149240478e-8, 2.9147953450901080826e-8, -6.7711997758452339498e-8,
  2.2900482228026654717e-7, -9.9298272942317002539e-7, 4.5260625972231537039e-6, -1.9681778105531670567e-5,
  7.5995277030017761139e-5, -2.1503011930044477347e-4, -1.3871931833623122026e-4, 1.0103004648645343977,
  4.8499064014085844221,
];

/** Horner evaluation of a polynomial (coefficients highest power first) at t, op by op. */
function horner(coefficients: readonly number[], t: Tensor): Tensor {
  let p: Tensor = scalar(coefficients[0]!, t.dtype);
  for (let i = 1; i < coefficients.length; i++) p = add(scalar(coefficients[i]!, t.dtype), mul(p, t));
  return p;
}

/**
 * The inverse error function of a float tensor in (−1, 1), op by op in its dtype; ±1 give ±∞.
 * float32: Giles' single-precision approximation with w = −log1p(−x·x), as XLA computes it
 * (relative error below 3e-7 for |x| ≤ 0.99 and below 4e-6 up to 1 − 2^-24, where rounding x·x
 * dominates). float64: his double-precision one with w = −log((1 − x)(1 + x)) (below 2e-14 up
 * to 1 − 2^-53). Both measured against a Newton-refined reference in test/random.test.ts.
 */
export function erfinv(x: Tensor): Tensor {
  const c = (v: number) => scalar(v, x.dtype);
  let p: Tensor;
  if (x.dtype === "float32") {
    const w = neg(log1p(neg(mul(x, x))));
    const central = less(w, c(5));
    p = where(central, horner(F32_CENTRAL, sub(w, c(2.5))), horner(F32_TAIL, sub(sqrt(w), c(3))));
  } else {
    const w = neg(log(mul(sub(c(1), x), add(c(1), x))));
    const r = sqrt(w);
    p = where(
      less(w, c(6.25)),
      horner(F64_CENTRAL, sub(w, c(3.125))),
      where(less(w, c(16)), horner(F64_MIDDLE, sub(r, c(3.25))), horner(F64_TAIL, sub(r, c(5)))),
    );
  }
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
