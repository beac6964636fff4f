// Fast float32 transcendentals, written in the scalar expression language so that every renderer
// inlines them (no library call in a fused loop). Each takes an f32 operand, computes in double
// precision with straight-line code (selects, no branches) and rounds once to single at the end.
//
// Why double inside: a polynomial evaluated in double carries ~1e-11 relative error, so the
// only visible error is the final rounding (≤ 0.5 ulp, plus ~1e-11 relative: results differ from
// the correctly rounded single only next to a tie). Measured in V8, a `Math.fround` after every
// single-precision step costs more than the whole double evaluation (each rounding sits on the
// dependency chain), and a WebAssembly renderer computes the same doubles with f64x2 lanes.
//
// The pieces:
// - expm1d(v): e^v − 1 in double for |v| ≤ 104: n = nearest(v·log2 e) (by the 1.5·2⁵² trick,
//   exact), r = v − n·ln2 (Cody–Waite, two constants), |r| ≤ 0.347; q = r + r²(½ + r·g(r)) with
//   g a degree-5 Chebyshev fit of (eʳ − 1 − r − r²/2)/r³ (|q/expm1(r) − 1| ≤ 2e-11); then
//   2ⁿ·q + (2ⁿ − 1). exp is 2ⁿ·q + 2ⁿ.
// - logd(u, c): log(u) + c/u for a positive finite double u: u = m·2ᵉ with m in [√½, √2)
//   (exponent field, then an exact scaling), log m = 2s + s³R(s²), s = (m − 1)/(m + 1), R a
//   degree-3 fit (relative error ≤ 2e-11).
// The documented bound, checked by test/fastmath.test.ts over a dense sweep of float32 inputs
// against float64 Math: ≤ 1 ulp and ≤ 1.2e-7 relative for exp, expm1, log, log1p, tanh and
// sigmoid; exact ±Inf, NaN, ±0, overflow and underflow.

import { S, type ScalarExpr } from "./expr.js";

const f64 = (v: number) => S.c(v, "f64");

/** 1.5·2⁵²: adding and subtracting it rounds a double of magnitude < 2⁵¹ to the nearest integer (ties to even). */
const ROUNDER = 6755399441055744;
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238; // 32 significant bits: n·LN2_HI is exact for |n| < 2²¹
const LN2_LO = 1.9082149292705877e-10;
/** (eʳ − 1 − r − r²/2)/r³ on |r| ≤ 0.347, highest degree first. */
const EXPM1_G = [2.4851410651700253e-5, 0.00019891103420544327, 0.0013888866385409816, 0.008333310823923211, 0.04166666668172088, 0.16666666681725];
/** (log((1+s)/(1−s)) − 2s)/s³ as a polynomial in z = s² ≤ 0.0295, highest degree first. */
const LOG_R = [0.23330506187901676, 0.2855081938372765, 0.4000012185243072, 0.6666666655448166];

/** Horner's rule in double. */
function horner(x: ScalarExpr, coefficients: readonly number[]): ScalarExpr {
  let p: ScalarExpr = f64(coefficients[0]!);
  for (let i = 1; i < coefficients.length; i++) p = S.add(S.mul(p, x), f64(coefficients[i]!));
  return p;
}

/** `x` limited to [lo, hi]; NaN passes through (the comparisons are false). */
function clamp(x: ScalarExpr, lo: number, hi: number): ScalarExpr {
  return S.select(S.gt(x, f64(hi)), f64(hi), S.select(S.lt(x, f64(lo)), f64(lo), x));
}

/** The range reduction v = n·ln2 + r: [2ⁿ, r]. */
function reduce(v: ScalarExpr): { scale: ScalarExpr; r: ScalarExpr } {
  const n = S.sub(S.add(S.mul(v, f64(LOG2E)), f64(ROUNDER)), f64(ROUNDER));
  const r = S.sub(S.sub(v, S.mul(n, f64(LN2_HI))), S.mul(n, f64(LN2_LO)));
  return { scale: S.pow2(n), r };
}

/** eʳ − 1 for |r| ≤ 0.347. */
function expm1Reduced(r: ScalarExpr): ScalarExpr {
  const r2 = S.mul(r, r);
  return S.add(r, S.mul(r2, S.add(f64(0.5), S.mul(r, horner(r, EXPM1_G)))));
}

/** eᵛ in double for a double v (clamped to [−104, 104], beyond which single results saturate). */
export function expDouble(v: ScalarExpr): ScalarExpr {
  const { scale, r } = reduce(clamp(v, -104, 104));
  return S.add(S.mul(scale, expm1Reduced(r)), scale);
}

/** eᵛ − 1 in double for a double v (clamped to [−104, 104]). */
export function expm1Double(v: ScalarExpr): ScalarExpr {
  const { scale, r } = reduce(clamp(v, -104, 104));
  return S.add(S.mul(scale, expm1Reduced(r)), S.sub(scale, f64(1)));
}

/** log(u) + c/u for a positive finite double u and a small correction c (log1p's rounding of 1 + x). */
function logDouble(u: ScalarExpr, c: ScalarExpr): ScalarExpr {
  const e0 = S.exponent(u);
  const m0 = S.mul(u, S.pow2(S.neg(e0))); // in [1, 2), exact
  const big = S.gt(m0, f64(Math.SQRT2));
  const m = S.select(big, S.mul(m0, f64(0.5)), m0);
  const e = S.select(big, S.add(e0, f64(1)), e0);
  const s = S.div(S.sub(m, f64(1)), S.add(m, f64(1)));
  const z = S.mul(s, s);
  const logM = S.add(S.mul(f64(2), s), S.mul(S.mul(s, z), horner(z, LOG_R)));
  return S.add(S.mul(e, f64(LN2_HI)), S.add(logM, S.add(S.mul(e, f64(LN2_LO)), S.div(c, u))));
}

const f32 = (x: ScalarExpr) => S.promote(x);

/** float32 eˣ. */
export function expF32(x: ScalarExpr): ScalarExpr {
  return S.demote(expDouble(f32(x)));
}

/** `x` itself where it is ±0 (odd functions keep the zero's sign), else `y`. */
function keepZero(x: ScalarExpr, y: ScalarExpr): ScalarExpr {
  return S.select(S.eq(x, S.c(0, "f32")), x, y);
}

/** float32 eˣ − 1; expm1(±0) = ±0. */
export function expm1F32(x: ScalarExpr): ScalarExpr {
  return keepZero(x, S.demote(expm1Double(f32(x))));
}

/** float32 tanh x = t/(t + 2) with t = e^(2x) − 1 (x clamped to ±10, where tanh rounds to ±1); tanh(±0) = ±0. */
export function tanhF32(x: ScalarExpr): ScalarExpr {
  const v = clamp(f32(x), -10, 10);
  const t = expm1Double(S.mul(f64(2), v));
  return keepZero(x, S.demote(S.div(t, S.add(t, f64(2)))));
}

/** float32 logistic σ(x) = 1/(1 + e^(−x)) (no overflow: e^(−x) is a double of at most e¹⁰⁴). */
export function sigmoidF32(x: ScalarExpr): ScalarExpr {
  return S.demote(S.div(f64(1), S.add(f64(1), expDouble(S.neg(f32(x))))));
}

/** The result of a log at a positive finite argument, with the IEEE values elsewhere (≤ the pole: NaN below, −Inf at it). */
function logSpecials(x: ScalarExpr, pole: number, finite: ScalarExpr): ScalarExpr {
  const inf = S.c(Infinity, "f32");
  const p = S.c(pole, "f32");
  return S.select(S.gt(x, p), S.select(S.eq(x, inf), inf, finite), S.select(S.eq(x, p), S.c(-Infinity, "f32"), S.c(NaN, "f32")));
}

/** float32 log x. */
export function logF32(x: ScalarExpr): ScalarExpr {
  const ok = S.and(S.gt(x, S.c(0, "f32")), S.lt(x, S.c(Infinity, "f32")));
  const u = S.select(ok, f32(x), f64(1)); // keeps the bit-level steps in range for every input
  return logSpecials(x, 0, S.demote(logDouble(u, f64(0))));
}

/** float32 log(1 + x): log(u) + (x − (u − 1))/u with u = 1 + x rounded to double; log1p(±0) = ±0. */
export function log1pF32(x: ScalarExpr): ScalarExpr {
  const ok = S.and(S.gt(x, S.c(-1, "f32")), S.lt(x, S.c(Infinity, "f32")));
  const v = S.select(ok, f32(x), f64(0));
  const u = S.add(f64(1), v);
  const c = S.sub(v, S.sub(u, f64(1)));
  return keepZero(x, logSpecials(x, -1, S.demote(logDouble(u, c))));
}
