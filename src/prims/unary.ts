// Elementwise unary primitives: each one's scalar description (data: an expression of the
// scalar language, src/scalar/expr.ts) and its VJP and JVP rules.
// Rules are written with fluxion ops, so the derivatives are programs that can be
// differentiated again. Conventions at kinks: abs'(0) = 0 (sign(0) = 0), sqrt'(0) = +Infinity,
// floor/ceil/round/sign have zero derivative.
// float64 transcendentals are JavaScript's `Math` functions; float32 exp, log, log1p, expm1, tanh
// and sigmoid are the inlined approximations of src/scalar/fastmath.ts (≤ 1 ulp), or under
// setBackend's `transcendentals: "float32"` those of src/scalar/fastmath32.ts (single steps),
// chosen when the primitive is lowered (src/scalar/precision.ts).

import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { S, type LibmName, type ScalarExpr } from "../scalar/expr.js";
import { expF32, expm1F32, log1pF32, logF32, sigmoidF32, tanhF32 } from "../scalar/fastmath.js";
import { expF32Steps, expm1F32Steps, log1pF32Steps, logF32Steps, sigmoidF32Steps, tanhF32Steps } from "../scalar/fastmath32.js";
import { transcendentalPrecision } from "../scalar/precision.js";
import { type OperandKind, type TensorLike, defineElementwise, elementwiseOp, stored } from "./elementwise.js";
import type { JvpArgs, Params, VjpArgs } from "./primitive.js";
import { add, div, mul, sub } from "./binary.js";

/** The scalar description from the operand and the dtype (of the operand, which is also the result's for arithmetic). */
type Describe = (x: ScalarExpr, dtype: DType) => ScalarExpr;

type Deriv = (x: Tensor, out: Tensor) => Tensor;

/** g·f'(x) written directly, when that takes fewer equations than g times f'(x) built first. */
type Times = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/**
 * Defines a smooth unary primitive from its description and derivative f'(x) (given x and f(x)):
 * vjp = g·f'(x), jvp = t·f'(x). `times` may compute g·f'(x) in fewer equations (g/x rather
 * than g·(1/x)).
 */
function smoothUnary(name: string, publicName: string, kind: OperandKind, scalar: Describe, deriv: Deriv, times?: Times) {
  const scale: Times = times ?? ((g, x, out) => mul(g, deriv(x, out)));
  const prim = defineElementwise<Params>({
    name,
    arity: 1,
    operands: kind,
    scalar: ([x], _p, _in, out) => scalar(x!, out),
    vjp: (g, { inputs, out }: VjpArgs<Params>) => [scale(g, inputs[0]!, out)],
    jvp: ({ inputs, tangents, out }: JvpArgs<Params>) => (tangents[0] ? scale(tangents[0], inputs[0]!, out) : null),
  });
  const op = elementwiseOp(prim, kind, publicName);
  return [prim, (x: TensorLike) => op([x], {})] as const;
}

/** A piecewise-constant unary primitive: derivative zero everywhere (where defined). */
function flatUnary(name: string, publicName: string, kind: OperandKind, scalar: Describe, result?: (d: DType) => DType) {
  const prim = defineElementwise<Params>({
    name,
    arity: 1,
    operands: kind,
    ...(result ? { result } : {}),
    scalar: ([x], _p, inDtypes) => scalar(x!, inDtypes[0]!),
    vjp: () => [null],
    jvp: () => null,
  });
  const op = elementwiseOp(prim, kind, publicName);
  return [prim, (x: TensorLike) => op([x], {})] as const;
}

/** A double-precision `Math` function of x, rounded once to the dtype. */
function libm(fn: LibmName): Describe {
  return (x, dtype) => stored(S.libm(fn, S.toF64(x)), dtype);
}

type Approximation = (x: ScalarExpr) => ScalarExpr;

/** The float32 approximation the precision setting picks: computed in double, or in single steps. */
function float32Variant(double: Approximation, single: Approximation): Approximation {
  return (x) => (transcendentalPrecision() === "float32" ? single(x) : double(x));
}

/** float32: the inlined approximation (of the precision setting); float64: the `Math` function. */
function fast(fn: LibmName, double: Approximation, single: Approximation): Describe {
  const approximation = float32Variant(double, single);
  return (x, dtype) => (dtype === "float32" ? approximation(x) : libm(fn)(x, dtype));
}

/** float ops of integer-valued results are the identity on int32. */
const onFloats = (f: (x: ScalarExpr) => ScalarExpr): Describe => (x) => (x.type === "i32" ? x : f(x));

// neg is linear: its rules apply neg itself.
export const negPrim = defineElementwise<Params>({
  name: "neg",
  arity: 1,
  operands: "numeric",
  scalar: ([x]) => S.neg(x!), // int32: −(−2³¹) wraps to −2³¹, as in C
  vjp: (g) => [neg(g)],
  jvp: ({ tangents }) => (tangents[0] ? neg(tangents[0]) : null),
});
const negOp = elementwiseOp(negPrim, "numeric", "neg");
/** −x elementwise (int32 wraps like C: −(−2³¹) is −2³¹). */
export const neg = (x: TensorLike): Tensor => negOp([x], {});

const signPair = flatUnary("sign", "sign", "numeric", (x) =>
  S.select(S.gt(x, S.c(0, x.type)), S.c(1, x.type), S.select(S.lt(x, S.c(0, x.type)), S.c(-1, x.type), x)),
);
export const signPrim = signPair[0];
/** The sign of x elementwise: −1, 0 or 1 (−0 and NaN stay themselves). */
export const sign = signPair[1];
const absPair = smoothUnary("abs", "abs", "numeric", (x) => S.abs(x), (x) => sign(x));
export const absPrim = absPair[0];
/** |x| elementwise. */
export const abs = absPair[1];
const expPair = smoothUnary("exp", "exp", "float", fast("exp", expF32, expF32Steps), (_x, out) => out);
export const expPrim = expPair[0];
/** eˣ elementwise (floats; an int operand gives float32). */
export const exp = expPair[1];
const logPair = smoothUnary("log", "log", "float", fast("log", logF32, logF32Steps), (x) => reciprocal(x), (g, x) => div(g, x));
export const logPrim = logPair[0];
/** The natural logarithm elementwise (floats). */
export const log = logPair[1];
const log1pPair = smoothUnary("log1p", "log1p", "float", fast("log1p", log1pF32, log1pF32Steps), (x) => reciprocal(add(x, 1)), (g, x) => div(g, add(x, 1)));
export const log1pPrim = log1pPair[0];
/** log(1 + x) elementwise, accurate for small x (floats). */
export const log1p = log1pPair[1];
const expm1Pair = smoothUnary("expm1", "expm1", "float", fast("expm1", expm1F32, expm1F32Steps), (_x, out) => add(out, 1));
export const expm1Prim = expm1Pair[0];
/** eˣ − 1 elementwise, accurate for small x (floats). */
export const expm1 = expm1Pair[1];
const sqrtPair = smoothUnary("sqrt", "sqrt", "float", (x) => S.sqrt(x), (_x, out) => div(0.5, out));
export const sqrtPrim = sqrtPair[0];
/** √x elementwise (floats). */
export const sqrt = sqrtPair[1];
// rsqrt computes 1/√x in double and rounds once (not a single-precision √ then ÷).
const rsqrtPair = smoothUnary("rsqrt", "rsqrt", "float", (x, dtype) => stored(S.div(S.c(1, "f64"), S.sqrt(S.toF64(x))), dtype), (x, out) => mul(-0.5, div(out, x)));
export const rsqrtPrim = rsqrtPair[0];
/** 1/√x elementwise (floats). */
export const rsqrt = rsqrtPair[1];
const reciprocalPair = smoothUnary("reciprocal", "reciprocal", "float", (x) => S.div(S.c(1, x.type), x), (_x, out) => neg(mul(out, out)));
export const reciprocalPrim = reciprocalPair[0];
/** 1/x elementwise (floats). */
export const reciprocal = reciprocalPair[1];
// int32 squares wrap like C: Math.imul, not a double product (inexact beyond 2⁵³) truncated.
const squarePair = smoothUnary(
  "square",
  "square",
  "numeric",
  (x) => S.mul(x, x),
  (x) => mul(x, 2),
);
export const squarePrim = squarePair[0];
/** x² elementwise (int32 wraps like C). */
export const square = squarePair[1];
const sinPair = smoothUnary("sin", "sin", "float", libm("sin"), (x) => cos(x));
export const sinPrim = sinPair[0];
/** sin x elementwise (floats, radians). */
export const sin = sinPair[1];
const cosPair = smoothUnary("cos", "cos", "float", libm("cos"), (x) => neg(sin(x)));
export const cosPrim = cosPair[0];
/** cos x elementwise (floats, radians). */
export const cos = cosPair[1];
const tanhPair = smoothUnary("tanh", "tanh", "float", fast("tanh", tanhF32, tanhF32Steps), (_x, out) => sub(1, mul(out, out)));
export const tanhPrim = tanhPair[0];
/** tanh x elementwise (floats). */
export const tanh = tanhPair[1];
// The logistic function; in float64 written so that neither branch overflows (NaN takes the
// second branch and stays NaN).
function sigmoidF64(x: ScalarExpr): ScalarExpr {
  const one = S.c(1, "f64");
  const e = S.libm("exp", x);
  const positive = S.div(one, S.add(one, S.libm("exp", S.neg(x))));
  return S.select(S.ge(x, S.c(0, "f64")), positive, S.div(e, S.add(one, e)));
}
const sigmoidPair = smoothUnary(
  "sigmoid",
  "sigmoid",
  "float",
  (x, dtype) => (dtype === "float32" ? float32Variant(sigmoidF32, sigmoidF32Steps)(x) : sigmoidF64(x)),
  (_x, out) => mul(out, sub(1, out)),
);
export const sigmoidPrim = sigmoidPair[0];
/** The logistic function 1/(1 + e⁻ˣ) elementwise (floats). */
export const sigmoid = sigmoidPair[1];
const floorPair = flatUnary("floor", "floor", "numeric", onFloats(S.floor));
export const floorPrim = floorPair[0];
/** The largest integer ≤ x elementwise, in x's dtype. */
export const floor = floorPair[1];
const ceilPair = flatUnary("ceil", "ceil", "numeric", onFloats(S.ceil));
export const ceilPrim = ceilPair[0];
/** The smallest integer ≥ x elementwise, in x's dtype. */
export const ceil = ceilPair[1];
// Round half to even, as NumPy does; a negative value that rounds to zero gives −0.
const roundPair = flatUnary("round", "round", "numeric", onFloats(S.nearest));
export const roundPrim = roundPair[0];
/** The nearest integer elementwise, ties to even (as NumPy), in x's dtype. */
export const round = roundPair[1];
const isNaNPair = flatUnary("is_nan", "isNaN", "any", (x) => S.ne(x, x), () => "bool");
export const isNaNPrim = isNaNPair[0];
/** Whether each element is NaN (a bool tensor). */
export const isNaN = isNaNPair[1];
// x − x is 0 exactly for finite x, NaN for ±Inf and NaN.
const isFinitePair = flatUnary("is_finite", "isFinite", "any", (x) => S.eq(S.sub(x, x), S.c(0, x.type)), () => "bool");
export const isFinitePrim = isFinitePair[0];
/** Whether each element is finite, neither ±Infinity nor NaN (a bool tensor). */
export const isFinite = isFinitePair[1];

// The identity whose derivative is zero: gradients do not flow through it (any order).
const stopGradientPair = flatUnary("stop_gradient", "stopGradient", "any", (x) => x);
export const stopGradientPrim = stopGradientPair[0];
/** x itself, as a constant for differentiation: grad, vjp and jvp see a zero derivative through it. */
export const stopGradient = stopGradientPair[1];
