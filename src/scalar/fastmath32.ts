// Float32-step transcendentals: the opt-in variants of fastmath.ts (setBackend's
// `transcendentals: "float32"`, read through ./precision.ts) in which every step is an IEEE single
// operation, so that a WebAssembly loop runs them in f32x4 lanes (4 elements per vector, twice
// the f64x2 lanes the double-precision forms take). Straight-line code with selects, no branch;
// every renderer computes the same bits from this one description.
//
// The pieces (coefficients: minimax fits rounded to single, derived by
// scripts/fit-fastmath32.ts):
// - reduction: n = nearest(v·log2 e), r = (v − n·LN2_HI) − n·LN2_LO with LN2_HI of 16
//   significant bits, so n·LN2_HI is exact for |n| ≤ 2⁸ and v − n·LN2_HI is exact (Sterbenz);
//   |r| ≤ 0.347. exp and expm1 also carry r's rounding error into the polynomial.
// - q = eʳ − 1 = r + r²(½ + r·g(r)), g a degree-3 fit (its error ≤ 1.5e-8 of q).
// - exp: 2ⁿ + 2ⁿ·q (one rounding), the power split in two factors (2^(n∓32)·2^(±32)) so that
//   each is a normal single: subnormal results come from the second product, and 2¹²⁸ (x near
//   the overflow threshold) is reached.
// - expm1: 2ⁿ·q + (2ⁿ − 1), written as 2·(2ⁿ⁻¹·q + (2ⁿ⁻¹ − ½)) where n reaches 128.
// - tanh: below |x| = 0.625 an odd polynomial (degree 4 in x²); above, 1 − 2e/(1 + e) with
//   e = e^(−2|x|) (the error of e scaled down by 2e/(1 + e) ≤ 0.45) and the sign put back.
// - sigmoid: e = e^(−|x|) ∈ (0, 1], σ = 1/(1 + e) for x ≥ 0, e/(1 + e) below (one division),
//   with the rounding of 1 + e compensated to first order.
// - log: u = m·2ᵉ with m in [√½, √2) (inputs scaled by 2²⁴ or 2⁻⁶⁴ first so that the exponent's
//   power of two is a normal single), f = m − 1 exact, s = f/(2 + f), log m = f − f²/2 + s(f²/2 +
//   z·h(z)) with z = s², h a degree-2 fit; log1p takes f = x exactly where x is in [√½ − 1, √2 − 1]
//   and otherwise adds the rounding of 1 + x as c/u.
// The measured bound (test/fastmath32.test.ts over a dense sweep, scripts/sweep-fastmath32.ts over
// all 2³² inputs) is in docs/compiler.md, "Fast float32 transcendentals".

import { S, type ScalarExpr } from "./expr.js";

/** A single constant (the value rounded to single first). */
const f32 = (v: number) => S.c(Math.fround(v), "f32");

const LOG2E = Math.fround(Math.LOG2E);
/** ln 2 to 16 significant bits, and the rest. */
const LN2_HI = 45426 / 65536;
const LN2_LO = Math.fround(Math.LN2 - LN2_HI);
/** g(r) = (eʳ − 1 − r − r²/2)/r³ on |r| ≤ 0.348, highest degree first. */
const EXPM1_G = [0.001389827230013907, 0.008366221562027931, 0.04166685789823532, 0.1666654795408249];
/** k(z) = (tanh x − x)/(x·z), z = x² ≤ 0.390625, highest degree first. */
const TANH_K = [-0.005704966839402914, 0.020639067515730858, -0.05373970791697502, 0.13331441581249237, -0.3333328068256378];
/** h(z) = (2·atanh s − 2s)/(s·z), z = s² ≤ 0.0295, highest degree first. */
const LOG_H = [0.2987228035926819, 0.39977526664733887, 0.6666677594184875];

/** Horner's rule in single. */
function horner(x: ScalarExpr, coefficients: readonly number[]): ScalarExpr {
  let p: ScalarExpr = f32(coefficients[0]!);
  for (let i = 1; i < coefficients.length; i++) p = S.add(S.mul(p, x), f32(coefficients[i]!));
  return p;
}

/** `x` limited to [lo, hi]; NaN passes through (the comparisons are false). */
function clamp(x: ScalarExpr, lo: number, hi: number): ScalarExpr {
  return S.select(S.gt(x, f32(hi)), f32(hi), S.select(S.lt(x, f32(lo)), f32(lo), x));
}

/** `x` limited to at most `hi` (one node read twice: the SIMD loop renders it as pmin). */
function atMost(x: ScalarExpr, hi: number): ScalarExpr {
  return S.select(S.gt(x, f32(hi)), f32(hi), x);
}

/** The range reduction v = n·ln2 + r: the integer n (a single) and r rounded to single (`c`: its rounding error too). */
interface Reduced {
  readonly n: ScalarExpr;
  readonly r: ScalarExpr;
  readonly c?: ScalarExpr;
}

/**
 * v = n·ln2 + r; with `carry`, also the rounding error c of r (exact by Fast2Sum: v − n·LN2_HI is
 * exact and |n·LN2_LO| far smaller), which takes about 0.1 ulp off exp and expm1 for 3 operations.
 */
function reduce(v: ScalarExpr, carry = false): Reduced {
  const n = S.nearest(S.mul(v, f32(LOG2E)));
  const high = S.sub(v, S.mul(n, f32(LN2_HI)));
  const low = S.mul(n, f32(LN2_LO));
  const r = S.sub(high, low);
  return carry ? { n, r, c: S.sub(S.sub(high, r), low) } : { n, r };
}

/** e^(r + c) − 1 for |r| ≤ 0.348 (and a correction c below an ulp of r): r + (c + r²(½ + r·g(r))). */
function expm1Reduced({ r, c }: Reduced): ScalarExpr {
  const r2 = S.mul(r, r);
  const tail = S.mul(r2, S.add(f32(0.5), S.mul(r, horner(r, EXPM1_G))));
  return S.add(r, c === undefined ? tail : S.add(c, tail));
}

/** eʳ·2ᵏ from q = eʳ − 1 and a normal power of two 2ᵏ: 2ᵏ + 2ᵏ·q, one rounding (2ᵏ·q is exact). */
function timesExp(scale: ScalarExpr, q: ScalarExpr): ScalarExpr {
  return S.add(scale, S.mul(scale, q));
}

/** eᵛ for v in [−104, 89] (NaN stays NaN): eʳ·2ⁿ with the power in two normal factors. */
function expOf(v: ScalarExpr): ScalarExpr {
  const reduced = reduce(v, true);
  const n = reduced.n;
  // n in [−150, 128]: 2^(n + 32)·2⁻³² below 0, 2^(n − 32)·2³² from 0; each first factor is normal,
  // and the second product is exact but where it rounds to a subnormal or to ∞.
  const low = S.lt(n, f32(0));
  const first = S.pow2(S.add(n, S.select(low, f32(32), f32(-32))));
  return S.mul(timesExp(first, expm1Reduced(reduced)), S.select(low, f32(2 ** -32), f32(2 ** 32)));
}

/** `x` itself where it is ±0 (odd functions keep the zero's sign), else `y`. */
function keepZero(x: ScalarExpr, y: ScalarExpr): ScalarExpr {
  return S.select(S.eq(x, f32(0)), x, y);
}

/** float32 eˣ in single steps. */
export function expF32Steps(x: ScalarExpr): ScalarExpr {
  return expOf(clamp(x, -104, 89));
}

/** eᵛ − 1 for v in [−25, 89]: 2·(2ⁿ⁻¹·q + (2ⁿ⁻¹ − ½)), the rounding of 2ⁿ·q + (2ⁿ − 1) with n − 1 in [−37, 127]. */
function expm1Of(v: ScalarExpr): ScalarExpr {
  const reduced = reduce(v, true);
  const half = S.pow2(S.sub(reduced.n, f32(1)));
  return S.mul(f32(2), S.add(S.mul(half, expm1Reduced(reduced)), S.sub(half, f32(0.5))));
}

/**
 * float32 eˣ − 1 in single steps (x clamped to [−25, 89]: below, the result rounds to −1); x itself
 * where |x| < 2⁻²⁵ (x + x²/2 rounds to x there; a subnormal x would lose bits in 2ⁿ⁻¹·q), so
 * expm1(±0) = ±0.
 */
export function expm1F32Steps(x: ScalarExpr): ScalarExpr {
  return S.select(S.lt(S.abs(x), f32(2 ** -25)), x, expm1Of(clamp(x, -25, 89)));
}

/**
 * float32 tanh in single steps: for |x| < 0.625 the odd polynomial x + x·z·k(z), z = x²; above,
 * 1 − w with w = 2e/(1 + e), e = e^(−2|x|) (|x| clamped to 10, where tanh rounds to 1), and the
 * sign of x put back: the errors of e are scaled down by w ≤ 0.45. tanh(±0) = ±0.
 */
export function tanhF32Steps(x: ScalarExpr): ScalarExpr {
  const z = S.mul(x, x);
  const small = S.add(x, S.mul(S.mul(x, z), horner(z, TANH_K)));
  const a = atMost(S.abs(x), 10);
  const reduced = reduce(S.mul(f32(-2), a));
  const n = reduced.n;
  const e = timesExp(S.pow2(n), expm1Reduced(reduced)); // n in [−29, 0]
  const large = S.sub(f32(1), S.div(S.mul(f32(2), e), S.add(f32(1), e)));
  // x·z·k(z) is +0 at x = −0 (k(0) = −⅓), so ±0 is kept by a select.
  return keepZero(x, S.select(S.lt(a, f32(0.625)), small, S.select(S.lt(x, f32(0)), S.neg(large), large)));
}

/**
 * float32 logistic σ(x) in single steps: e = e^(−|x|) ∈ (0, 1], s = 1 + e rounded with its
 * rounding error d = e − (s − 1) (exact), q = num/s with num = 1 for x ≥ 0, e below, and σ =
 * num/(s + d) to first order: q − q·d/s, where 1/s (a factor of a correction below an ulp of q)
 * is q for x ≥ 0 and 1 − q below.
 */
export function sigmoidF32Steps(x: ScalarExpr): ScalarExpr {
  const a = atMost(S.abs(x), 104);
  const reduced = reduce(S.neg(a));
  const n = reduced.n;
  // n in [−150, 0]: 2^(n + 32)·2⁻³², the first factor normal, the second product exact but below
  // x ≈ −87.3 (a subnormal result).
  const e = S.mul(timesExp(S.pow2(S.add(n, f32(32))), expm1Reduced(reduced)), f32(2 ** -32));
  const s = S.add(f32(1), e);
  const d = S.sub(e, S.sub(s, f32(1)));
  const positive = S.ge(x, f32(0));
  const q = S.div(S.select(positive, f32(1), e), s);
  const reciprocal = S.select(positive, q, S.sub(f32(1), q));
  return S.sub(q, S.mul(S.mul(q, d), reciprocal));
}

/** log(m·2ᵉ) for m − 1 = f in [√½ − 1, √2 − 1], plus a small `low` correction. */
function logReduced(e: ScalarExpr, f: ScalarExpr, low: ScalarExpr): ScalarExpr {
  const s = S.div(f, S.add(f32(2), f));
  const z = S.mul(s, s);
  const halfSquare = S.mul(S.mul(f32(0.5), f), f);
  const tail = S.add(S.mul(s, S.add(halfSquare, S.mul(z, horner(z, LOG_H)))), S.add(S.mul(e, f32(LN2_LO)), low));
  return S.add(S.mul(e, f32(LN2_HI)), S.sub(f, S.sub(halfSquare, tail)));
}

/** A positive finite single u as m·2ᵉ with m in [√½, √2): e (a single integer) and f = m − 1 (exact). */
function split(u: ScalarExpr): { e: ScalarExpr; f: ScalarExpr } {
  // Subnormals and the top binades are scaled first, so that 2^(−exponent) is a normal single.
  const tiny = S.lt(u, f32(2 ** -126));
  const huge = S.ge(u, f32(2 ** 64));
  const scaled = S.mul(u, S.select(tiny, f32(2 ** 24), S.select(huge, f32(2 ** -64), f32(1))));
  const e0 = S.exponent(scaled);
  const m0 = S.mul(scaled, S.pow2(S.neg(e0))); // in [1, 2), exact
  const big = S.gt(m0, f32(Math.SQRT2));
  const m = S.select(big, S.mul(m0, f32(0.5)), m0);
  const bias = S.select(tiny, f32(-24), S.select(huge, f32(64), f32(0)));
  const e = S.add(S.select(big, S.add(e0, f32(1)), e0), bias);
  return { e, f: S.sub(m, f32(1)) };
}

/** The result of a log at a positive finite argument, with the IEEE values elsewhere (≤ the pole: NaN below, −Inf at it). */
function logSpecials(x: ScalarExpr, pole: number, finite: ScalarExpr): ScalarExpr {
  const inf = S.c(Infinity, "f32");
  const p = f32(pole);
  return S.select(S.gt(x, p), S.select(S.eq(x, inf), inf, finite), S.select(S.eq(x, p), S.c(-Infinity, "f32"), S.c(NaN, "f32")));
}

/** float32 log x in single steps. */
export function logF32Steps(x: ScalarExpr): ScalarExpr {
  const ok = S.and(S.gt(x, f32(0)), S.lt(x, S.c(Infinity, "f32")));
  const { e, f } = split(S.select(ok, x, f32(1))); // keeps the bit-level steps in range for every input
  return logSpecials(x, 0, logReduced(e, f, f32(0)));
}

/**
 * float32 log(1 + x) in single steps: for x in [√½ − 1, √2 − 1] the reduced form of x itself
 * (no rounding of 1 + x); elsewhere log(u) + c/u with u = 1 + x rounded and c its rounding error
 * (exact by Fast2Sum). log1p(±0) = ±0.
 */
export function log1pF32Steps(x: ScalarExpr): ScalarExpr {
  const ok = S.and(S.gt(x, f32(-1)), S.lt(x, S.c(Infinity, "f32")));
  const v = S.select(ok, x, f32(0));
  const u = S.add(f32(1), v);
  const c = S.select(S.gt(v, f32(1)), S.sub(f32(1), S.sub(u, v)), S.sub(v, S.sub(u, f32(1))));
  const core = S.and(S.gt(v, f32(Math.SQRT1_2 - 1)), S.lt(v, f32(Math.SQRT2 - 1)));
  const { e, f } = split(u);
  const zero = f32(0);
  const low = S.select(core, zero, S.div(c, u));
  const finite = logReduced(S.select(core, zero, e), S.select(core, v, f), low);
  return keepZero(x, logSpecials(x, -1, finite));
}
