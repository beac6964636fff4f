// Gradient checking for the property suite: derivatives from `vjp`/`jvp`/`grad` compared with
// central finite differences computed in float64, plus the arbitraries those checks draw from
// (inputs away from kinks, random smooth programs). Exported for every engineer who adds a
// primitive: a new primitive's gradient property is `checkPrimitiveGradients` on its instances.
//
// Finite differences: the fourth-order central stencil
//   f'(x) ≈ [f(x − 2h) − 8 f(x − h) + 8 f(x + h) − f(x + 2h)] / (12 h),   h = 2⁻¹⁰ ≈ 9.8e-4,
// whose truncation error is h⁴/30 · f⁽⁵⁾ ≈ 3e-14 · f⁽⁵⁾ and rounding error ≈ 1.5 · ε · |f| / h
// ≈ 3e-13 · |f| in float64 — far below the tolerance. Agreement means
//   |analytic − numeric| ≤ GRAD_RTOL · max(|analytic|, |numeric|) + GRAD_ATOL
// with GRAD_RTOL = 1e-6 (relative error ≲ 1e-6) and GRAD_ATOL = 1e-8 (for exact zeros).
// Where a steep function's truncation error breaks that bound (a random program of products of
// inputs near ±1.5, differentiated twice: error 2.6e-5 seen in CI), the check compares with the
// Richardson extrapolation of steps h and h/2 instead (`assertCloseToFd`).
// h is a power of two so that x ± k·h is exact for the dyadic inputs of the float32 checks.

import fc from "fast-check";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import type { DType } from "../src/tensor/dtype.js";
import { isFloat } from "../src/tensor/dtype.js";

export const FD_STEP = 2 ** -10;
export const GRAD_RTOL = 1e-6;
export const GRAD_ATOL = 1e-8;

export type TensorFn = (...xs: Tensor[]) => Tensor;

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

// ---------------------------------------------------------------- small numeric helpers

/** The values of a concrete tensor as float64. */
export function values(t: Tensor): Float64Array {
  return Float64Array.from(t.data() as ArrayLike<number>);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A float tensor of `shape` and `dtype` holding `data`. */
export function tensorOf(data: ArrayLike<number>, shape: readonly number[], dtype: DType = "float64"): Tensor {
  return fx.tensor(Float64Array.from(data), { shape, dtype });
}

/** A deterministic PRNG (mulberry32) for the vectors a check needs besides its inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random tensor shaped like `like` with dyadic entries k/256 in [−1, 1] (exact in float32, so
 * the same vector serves float32 and float64 checks). Integer/bool tensors get zeros.
 */
export function randomLike(like: { shape: readonly number[]; dtype: DType }, rand: () => number): Tensor {
  const n = like.shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  if (isFloat(like.dtype)) for (let i = 0; i < n; i++) data[i] = Math.round((rand() * 2 - 1) * 256) / 256;
  return fx.tensor(data, { shape: [...like.shape], dtype: like.dtype });
}

/** Where `actual` and `expected` differ beyond the tolerance, a description; otherwise null. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}): string | null {
  const rtol = tol.rtol ?? GRAD_RTOL;
  const atol = tol.atol ?? GRAD_ATOL;
  if (actual.length !== expected.length) return `length ${actual.length} ≠ expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e);
    if (!(err <= rtol * Math.max(Math.abs(a), Math.abs(e)) + atol)) {
      return `element ${i}: got ${a}, expected ${e} (|error| ${err.toExponential(2)}, rtol ${rtol}, atol ${atol})`;
    }
  }
  return null;
}

/** Throws an Error naming `label` when the arrays disagree (fast-check reports the inputs). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, tol: Tolerance = {}): void {
  const m = mismatch(actual, expected, tol);
  if (m !== null) {
    throw new Error(`${label}: ${m}\n  got      [${Array.from(actual).join(", ")}]\n  expected [${Array.from(expected).join(", ")}]`);
  }
}

/**
 * `assertClose` against finite differences: first with step FD_STEP; where that misses, against
 * the Richardson extrapolation of steps h and h/2, (16·D(h/2) − D(h))/15, which cancels the
 * stencil's h⁴ term. A steep function (a product of several inputs near the arbitraries' bounds,
 * differentiated twice) can have an h⁴ truncation error above the tolerance; a wrong derivative
 * misses the extrapolated value as well. `numericAt(h)` computes the differences with step h.
 */
export function assertCloseToFd(actual: ArrayLike<number>, numericAt: (h: number) => ArrayLike<number>, label: string, tol: Tolerance = {}): void {
  const coarse = numericAt(FD_STEP);
  const first = mismatch(actual, coarse, tol);
  if (first === null) return;
  const fine = numericAt(FD_STEP / 2);
  const extrapolated = Array.from(fine, (v, i) => (16 * v - coarse[i]!) / 15);
  assertClose(actual, extrapolated, `${label} (Richardson-extrapolated; with step h alone: ${first})`, tol);
}

// ---------------------------------------------------------------- finite differences

/** f at xs + t·vs (float inputs moved; others fixed), evaluated concretely, as float64 values. */
function evalShifted(f: TensorFn, xs: readonly Tensor[], vs: readonly (Tensor | null)[], t: number): Float64Array {
  const moved = xs.map((x, i) => {
    const v = vs[i];
    if (!v || !isFloat(x.dtype)) return x;
    const a = values(x);
    const d = values(v);
    return tensorOf(a.map((ai, k) => ai + t * d[k]!), x.shape, x.dtype);
  });
  return values(f(...moved));
}

/** d/dt f(xs + t·vs) at t = 0 by the fourth-order central stencil, elementwise over f's output. */
export function fdDirectional(f: TensorFn, xs: readonly Tensor[], vs: readonly (Tensor | null)[], h = FD_STEP): Float64Array {
  const m2 = evalShifted(f, xs, vs, -2 * h);
  const m1 = evalShifted(f, xs, vs, -h);
  const p1 = evalShifted(f, xs, vs, h);
  const p2 = evalShifted(f, xs, vs, 2 * h);
  return m2.map((_, i) => (m2[i]! - 8 * m1[i]! + 8 * p1[i]! - p2[i]!) / (12 * h));
}

/**
 * The gradient of ⟨u, f(xs)⟩ with respect to every element of every float input, by finite
 * differences along each basis direction (null for integer/bool inputs).
 */
export function fdVjp(f: TensorFn, xs: readonly Tensor[], u: Tensor, h = FD_STEP): (Float64Array | null)[] {
  const uv = values(u);
  return xs.map((x, i) => {
    if (!isFloat(x.dtype)) return null;
    const g = new Float64Array(x.size);
    for (let j = 0; j < x.size; j++) {
      const basis = new Float64Array(x.size);
      basis[j] = 1;
      const vs = xs.map((_, k) => (k === i ? tensorOf(basis, x.shape, x.dtype) : null));
      g[j] = dot(uv, fdDirectional(f, xs, vs, h));
    }
    return g;
  });
}

// ---------------------------------------------------------------- checks

/** Reverse mode: vjp(f)(u) agrees with finite differences of ⟨u, f⟩ for every float input. */
export function checkVjp(f: TensorFn, xs: readonly Tensor[], u: Tensor, tol: Tolerance = {}, label = "vjp"): void {
  const [, vjpFn] = fx.vjp(f, ...xs);
  const cts = vjpFn(u) as Tensor[];
  const numeric = fdVjp(f, xs, u);
  xs.forEach((x, i) => {
    const n = numeric[i];
    if (n === null) return;
    const numericAt = (h: number) => (h === FD_STEP ? n : fdVjp(f, xs, u, h)[i]!);
    const ct = cts[i]!;
    if (ct.dtype !== x.dtype || ct.shape.join() !== x.shape.join()) {
      throw new Error(`${label}: cotangent ${i} is ${ct.dtype}[${ct.shape}] for an input ${x.dtype}[${x.shape}]`);
    }
    assertCloseToFd(values(ct), numericAt, `${label}: input ${i} vs finite differences`, tol);
  });
}

/** Forward mode: jvp(f, xs, vs) agrees with the finite difference of f along vs. */
export function checkJvp(f: TensorFn, xs: readonly Tensor[], vs: readonly Tensor[], tol: Tolerance = {}, label = "jvp"): void {
  const [out, tan] = fx.jvp(f, [...xs], [...vs]);
  if (tan.shape.join() !== out.shape.join() || tan.dtype !== out.dtype) {
    throw new Error(`${label}: tangent ${tan.dtype}[${tan.shape}] for an output ${out.dtype}[${out.shape}]`);
  }
  assertCloseToFd(values(tan), (h) => fdDirectional(f, xs, vs, h), `${label} vs finite differences`, tol);
}

/** The dot-product test tying the modes: ⟨u, J v⟩ (jvp) = ⟨Jᵀ u, v⟩ (vjp), to rounding. */
export function checkDotProduct(f: TensorFn, xs: readonly Tensor[], u: Tensor, vs: readonly Tensor[], tol: Tolerance = { rtol: 1e-10, atol: 1e-12 }): void {
  const [, tan] = fx.jvp(f, [...xs], [...vs]);
  const [, vjpFn] = fx.vjp(f, ...xs);
  const cts = vjpFn(u) as Tensor[];
  const lhs = dot(values(u), values(tan));
  let rhs = 0;
  xs.forEach((x, i) => {
    if (isFloat(x.dtype)) rhs += dot(values(cts[i]!), values(vs[i]!));
  });
  assertClose([lhs], [rhs], "dot-product test ⟨u, Jv⟩ = ⟨Jᵀu, v⟩", tol);
}

/** Indices of the float inputs (the ones derivatives are taken with respect to). */
export function floatArgnums(xs: readonly Tensor[]): number[] {
  return xs.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
}

/** S(xs) = ⟨u, f(xs)⟩ as a scalar fluxion function (summed in u's dtype). */
export function scalarize(f: TensorFn, u: Tensor): TensorFn {
  return (...xs) => fx.sum(fx.mul(u, f(...xs)));
}

/** ∇S as one function returning the float inputs' gradients concatenated (flattened). */
export function flatGradient(f: TensorFn, u: Tensor, xs: readonly Tensor[]): TensorFn {
  const argnums = floatArgnums(xs);
  const g = fx.grad(scalarize(f, u), { argnums });
  return (...ys) => {
    const gs = g(...ys) as Tensor[];
    const flat = gs.map((t) => fx.reshape(fx.cast(t, "float64"), [t.size]));
    return flat.length === 1 ? flat[0]! : fx.concat(flat, { axis: 0 });
  };
}

/**
 * Second order, three ways against finite differences of the first derivative
 * ∇S (S = ⟨u, f⟩), along a direction v:
 * - jvp of grad: jvp(∇S, xs, v) = H v;
 * - grad of grad: ∇ₓ ⟨v, ∇S⟩ = H v (H is symmetric);
 * - grad of jvp: ∇ₓ ⟨w, jvp(f, xs, v)⟩ — the derivative of the tangent — against finite
 *   differences of ⟨w, jvp(f, ·, v)⟩ along every input element.
 */
export function checkSecondOrder(f: TensorFn, xs: readonly Tensor[], u: Tensor, vs: readonly Tensor[], w: Tensor, tol: Tolerance = {}, label = "second order"): void {
  const argnums = floatArgnums(xs);
  const gradS = flatGradient(f, u, xs);
  const numericHv = fdDirectional(gradS, xs, vs);
  const numericHvAt = (h: number) => (h === FD_STEP ? numericHv : fdDirectional(gradS, xs, vs, h));
  const [, hv] = fx.jvp(gradS, [...xs], [...vs]);
  assertCloseToFd(values(hv), numericHvAt, `${label}: jvp of grad vs finite differences of grad`, tol);

  const vFlat = tensorOf(argnums.flatMap((i) => Array.from(values(vs[i]!))), [numericHv.length]);
  const gradOfGrad = fx.grad((...ys: Tensor[]) => fx.sum(fx.mul(vFlat, gradS(...ys))), { argnums })(...xs) as Tensor[];
  const ggFlat = gradOfGrad.flatMap((t) => Array.from(values(t)));
  assertCloseToFd(ggFlat, numericHvAt, `${label}: grad of grad vs finite differences of grad`, tol);

  const tangentDot: TensorFn = (...ys) => {
    const [, t] = fx.jvp(f, ys, vs) as [Tensor, Tensor];
    return fx.sum(fx.mul(w, t));
  };
  const gradOfJvp = fx.grad(tangentDot, { argnums })(...xs) as Tensor[];
  const one = fx.scalar(1, "float64");
  const numeric = fdVjp(tangentDot, xs, one);
  argnums.forEach((i, k) =>
    assertCloseToFd(values(gradOfJvp[k]!), (h) => (h === FD_STEP ? numeric[i]! : fdVjp(tangentDot, xs, one, h)[i]!), `${label}: grad of jvp, input ${i}, vs finite differences of jvp`, tol),
  );
}

// ---------------------------------------------------------------- checking one primitive

export interface PrimInstance {
  /** Operands: float ones are differentiated and perturbed; integer/bool ones are fixed. */
  readonly inputs: readonly Tensor[];
  /** Params for `bind`. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** Which checks one instance runs (all by default). */
export interface PrimCheckOptions extends Tolerance {
  secondOrder?: boolean;
}

/**
 * All derivative checks of one function at one point: vjp and jvp against finite differences,
 * the dot-product test and (optionally) second order. `seed` draws u, v, w.
 */
export function checkAllDerivatives(f: TensorFn, xs: readonly Tensor[], seed: number, options: PrimCheckOptions = {}, label = "f"): void {
  const rand = prng(seed);
  const out = f(...xs);
  if (!isFloat(out.dtype)) throw new Error(`${label}: output dtype ${out.dtype} is not float; nothing to differentiate`);
  const u = randomLike(out, rand);
  const vs = xs.map((x) => randomLike(x, rand));
  const w = randomLike(out, rand);
  checkVjp(f, xs, u, options, `${label}: vjp`);
  checkJvp(f, xs, vs, options, `${label}: jvp`);
  checkDotProduct(f, xs, u, vs);
  if (options.secondOrder ?? true) checkSecondOrder(f, xs, u, vs, w, options, `${label}: second order`);
}

// ---------------------------------------------------------------- input arbitraries

/** Uniform values in [0, 1) on a 2⁻²⁰ grid (fc.double favours edge values we do not want). */
const unit = fc.integer({ min: 0, max: 2 ** 20 - 1 }).map((k) => k / 2 ** 20);

/** How to map a uniform [0, 1) draw to a point of a domain. */
export type Domain = (u: number) => number;

export const uniform = (lo: number, hi: number): Domain => (u) => lo + u * (hi - lo);
/** ±[lo, hi]: away from the kink or pole at 0. */
export const awayFromZero = (lo: number, hi: number): Domain => (u) => (u < 0.5 ? -(lo + 2 * u * (hi - lo)) : lo + (2 * u - 1) * (hi - lo));
/** Within (k + lo, k + hi) for an integer k in [−2, 2): away from the steps of floor/ceil/round. */
export const betweenSteps = (lo: number, hi: number): Domain => (u) => {
  const k = Math.floor(u * 4) - 2;
  return k + lo + (u * 4 - Math.floor(u * 4)) * (hi - lo);
};
/** Multiples of 2⁻⁶ in [−4, 4]: exact in float32 together with x ± k·FD_STEP·v. */
export const dyadic: Domain = (u) => Math.round((u * 8 - 4) * 64) / 64;

/** A tensor of the given shape/dtype with entries drawn from `domain`. */
export function tensorArb(shape: readonly number[], domain: Domain, dtype: DType = "float64"): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(unit, { minLength: n, maxLength: n }).map((us) => tensorOf(us.map(domain), shape, dtype));
}

/**
 * A tensor whose entries are pairwise at least `gap` apart (in random order), so that
 * max/min/sort-like primitives have no ties within finite-difference reach.
 */
export function distinctTensorArb(shape: readonly number[], gap = 0.05, dtype: DType = "float64"): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .record({
      start: unit,
      steps: fc.array(unit, { minLength: n, maxLength: n }),
      keys: fc.array(unit, { minLength: n, maxLength: n }),
    })
    .map(({ start, steps, keys }) => {
      const sorted: number[] = [];
      let x = -1.5 + start;
      for (const s of steps) {
        x += gap + 0.3 * s;
        sorted.push(x);
      }
      const order = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      return tensorOf(order.map(([, i]) => sorted[i]!), shape, dtype);
    });
}

// ---------------------------------------------------------------- random smooth programs

/**
 * A random program: input shapes and a list of steps, each applying one operation to values
 * picked from the pool of inputs and earlier results. Every operation is smooth on all of R
 * (no kinks, poles or domain edges), so finite differences are valid at any input. The steps
 * exercise broadcasting (and the sums it implies in the gradient), fan-out (values used more
 * than once), layout and movement primitives, reductions and matmul.
 */
export interface RandomProgram {
  readonly inputShapes: readonly (readonly number[])[];
  readonly steps: readonly { readonly op: string; readonly a: number; readonly b: number }[];
}

const SHAPES: readonly (readonly number[])[] = [[], [3], [2, 3], [2, 1], [1, 3], [3, 2]];

const sizeOfShape = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

/** Combines a and b elementwise when they broadcast, else a with the sum of b (a scalar). */
function binary(op: (x: Tensor, y: Tensor) => Tensor, a: Tensor, b: Tensor): Tensor {
  return broadcastable(a.shape, b.shape) && sizeOfShape(fxShapeOf(a, b)) <= 36 ? op(a, b) : op(a, fx.sum(b));
}

function fxShapeOf(a: Tensor, b: Tensor): number[] {
  const n = Math.max(a.shape.length, b.shape.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a.shape[a.shape.length - n + i] ?? 1;
    const y = b.shape[b.shape.length - n + i] ?? 1;
    out.push(Math.max(x, y));
  }
  return out;
}

/** A bool tensor of `shape`, true at even flat positions. */
function alternating(shape: readonly number[]): Tensor {
  const n = sizeOfShape(shape);
  return fx.tensor(Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)), { shape: [...shape], dtype: "bool" });
}

const one = (x: Tensor) => fx.add(1, fx.square(x));

/** The operations of random programs: (a, b) → result; unary ones ignore b. */
export const PROGRAM_OPS: Readonly<Record<string, (a: Tensor, b: Tensor) => Tensor>> = {
  tanh: (a) => fx.tanh(a),
  sigmoid: (a) => fx.sigmoid(a),
  sin: (a) => fx.sin(a),
  cos: (a) => fx.cos(a),
  neg: (a) => fx.neg(a),
  square: (a) => fx.square(a),
  expTanh: (a) => fx.exp(fx.tanh(a)),
  expm1Tanh: (a) => fx.expm1(fx.tanh(a)),
  log1pSq: (a) => fx.log1p(fx.square(a)),
  logOnePlusSq: (a) => fx.log(one(a)),
  sqrtOnePlusSq: (a) => fx.sqrt(one(a)),
  rsqrtOnePlusSq: (a) => fx.rsqrt(one(a)),
  reciprocalOnePlusSq: (a) => fx.reciprocal(one(a)),
  add: (a, b) => binary(fx.add, a, b),
  sub: (a, b) => binary(fx.sub, a, b),
  mul: (a, b) => binary(fx.mul, a, b),
  divSafe: (a, b) => binary((x, y) => fx.div(x, one(y)), a, b),
  powSafe: (a, b) => binary((x, y) => fx.pow(one(x), fx.tanh(y)), a, b),
  sumLast: (a) => (a.shape.length === 0 ? a : fx.sum(a, { axis: -1, keepDims: true })),
  sumAll: (a) => fx.sum(a),
  transpose: (a) => fx.transpose(a),
  flatten: (a) => fx.reshape(a, [a.size]),
  broadcastNew: (a) => (a.size > 12 ? a : fx.broadcastTo(a, [2, ...a.shape])),
  matmul: (a, b) => {
    const x = a.shape.length === 2 ? a : fx.reshape(a, [1, a.size]);
    const y = b.shape.length === 2 && b.shape[0] === x.shape[1] ? b : fx.transpose(x);
    return fx.matmul(x, y);
  },
  slice: (a) => (a.shape.length === 0 || a.shape[0]! < 2 ? a : fx.slice(a, [[1, null]])),
  pad: (a) => (a.shape.length === 0 ? a : fx.pad(a, a.shape.map((_, i) => (i === 0 ? [1, 1] : [0, 0]) as [number, number]))),
  flip: (a) => (a.shape.length === 0 ? a : fx.flip(a, { axis: 0 })),
  concat: (a, b) => {
    if (a.shape.length === 0) return a;
    const ok = b.shape.length === a.shape.length && b.shape.every((d, i) => i === 0 || d === a.shape[i]);
    return fx.concat([a, ok ? b : a], { axis: 0 });
  },
  // Fan-out through a gather with repeated indices: its gradient is a scatter-add.
  gatherRepeat: (a) => (a.shape.length === 0 ? a : fx.take(a, [0, a.shape[0]! - 1, 0], { axis: 0 })),
  // A fixed condition (alternating elements): a data-dependent one would put a jump within
  // finite-difference reach now and then.
  where: (a, b) => binary((x, y) => fx.where(alternating(fxShapeOf(x, y)), fx.mul(x, 2), fx.neg(y)), a, b),
  prodLast: (a) => (a.shape.length === 0 ? a : fx.prod(a, { axis: -1 })),
  castRoundTrip: (a) => fx.mul(fx.cast(fx.cast(a, "float32"), "float64"), 0).add(a),
};

export const PROGRAM_OP_NAMES = Object.keys(PROGRAM_OPS);

export function randomProgramArb(options: { maxInputs?: number; maxSteps?: number } = {}): fc.Arbitrary<RandomProgram> {
  const maxInputs = options.maxInputs ?? 3;
  const maxSteps = options.maxSteps ?? 6;
  return fc.record({
    inputShapes: fc.array(fc.constantFrom(...SHAPES), { minLength: 1, maxLength: maxInputs }),
    steps: fc.array(
      fc.record({ op: fc.constantFrom(...PROGRAM_OP_NAMES), a: fc.nat(1000), b: fc.nat(1000) }),
      { minLength: 1, maxLength: maxSteps },
    ),
  });
}

/**
 * The function a random program denotes. Its result combines the last step with every input
 * (so that all inputs are connected): last + Σᵢ sum(inputᵢ)·0.5.
 */
export function programFunction(p: RandomProgram): TensorFn {
  return (...xs) => {
    const pool: Tensor[] = [...xs];
    for (const s of p.steps) {
      const a = pool[s.a % pool.length]!;
      const b = pool[s.b % pool.length]!;
      pool.push(PROGRAM_OPS[s.op]!(a, b));
    }
    let out = pool[pool.length - 1]!;
    for (const x of xs) out = fx.add(out, fx.mul(fx.sum(x), 0.5));
    return out;
  };
}

/** Arbitrary float64 inputs for a program, in [−1.5, 1.5]. */
export function programInputsArb(p: RandomProgram): fc.Arbitrary<Tensor[]> {
  return fc.tuple(...p.inputShapes.map((s) => tensorArb(s, uniform(-1.5, 1.5))));
}

/** A random program together with inputs for it and a seed for u, v, w. */
export function programCaseArb(options: { maxInputs?: number; maxSteps?: number } = {}) {
  return randomProgramArb(options).chain((program) =>
    fc.record({ program: fc.constant(program), inputs: programInputsArb(program), seed: fc.nat() }),
  );
}

export function describeProgram(p: RandomProgram): string {
  return `inputs ${p.inputShapes.map((s) => `[${s}]`).join(" ")}; steps ${p.steps.map((s) => `${s.op}(${s.a},${s.b})`).join(" ")}`;
}
