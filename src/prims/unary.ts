// Elementwise unary primitives: each one's expression template, its scalar reference (a
// closure written apart from the template) and its VJP and JVP rules.
// Rules are written with fluxion ops, so the derivatives are programs that can be
// differentiated again. Conventions at kinks: abs'(0) = 0 (sign(0) = 0), sqrt'(0) = +Infinity,
// floor/ceil/round/sign have zero derivative.

import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { type OperandKind, type TensorLike, defineElementwise, elementwiseOp } from "./elementwise.js";
import type { JvpArgs, Params, ScalarFn, VjpArgs } from "./primitive.js";
import { add, div, mul, sub } from "./binary.js";

/** The scalar reference for a dtype (of the operand, which is also the result's for arithmetic). */
type Reference = (dtype: DType) => ScalarFn;

type Deriv = (x: Tensor, out: Tensor) => Tensor;

/** g·f'(x) written directly, when that takes fewer equations than g times f'(x) built first. */
type Times = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/**
 * Defines a smooth unary primitive from its template and derivative f'(x) (given x and f(x)):
 * vjp = g·f'(x), jvp = t·f'(x). `times` may compute g·f'(x) in fewer equations (g/x rather
 * than g·(1/x)).
 */
function smoothUnary(name: string, publicName: string, kind: OperandKind, expr: (x: string, dtype: DType) => string, reference: Reference, deriv: Deriv, times?: Times) {
  const scale: Times = times ?? ((g, x, out) => mul(g, deriv(x, out)));
  const prim = defineElementwise<Params>({
    name,
    arity: 1,
    operands: kind,
    expr: ([x], _p, _in, out) => expr(x!, out),
    reference: (_p, _in, out) => reference(out),
    vjp: (g, { inputs, out }: VjpArgs<Params>) => [scale(g, inputs[0]!, out)],
    jvp: ({ inputs, tangents, out }: JvpArgs<Params>) => (tangents[0] ? scale(tangents[0], inputs[0]!, out) : null),
  });
  const op = elementwiseOp(prim, kind, publicName);
  return [prim, (x: TensorLike) => op([x], {})] as const;
}

/** A piecewise-constant unary primitive: derivative zero everywhere (where defined). */
function flatUnary(name: string, publicName: string, kind: OperandKind, expr: (x: string, dtype: DType) => string, reference: Reference, result?: (d: DType) => DType) {
  const prim = defineElementwise<Params>({
    name,
    arity: 1,
    operands: kind,
    ...(result ? { result } : {}),
    expr: ([x], _p, inDtypes) => expr(x!, inDtypes[0]!),
    reference: (_p, inDtypes) => reference(inDtypes[0]!),
    vjp: () => [null],
    jvp: () => null,
  });
  const op = elementwiseOp(prim, kind, publicName);
  return [prim, (x: TensorLike) => op([x], {})] as const;
}

// neg is linear: its rules apply neg itself.
export const negPrim = defineElementwise<Params>({
  name: "neg",
  arity: 1,
  operands: "numeric",
  expr: ([x]) => `(-${x})`,
  reference: () => (x) => -x, // int32: −(−2³¹) = 2³¹ wraps to −2³¹ when stored, as in C
  vjp: (g) => [neg(g)],
  jvp: ({ tangents }) => (tangents[0] ? neg(tangents[0]) : null),
});
const negOp = elementwiseOp(negPrim, "numeric", "neg");
/** −x elementwise (int32 wraps like C: −(−2³¹) is −2³¹). */
export const neg = (x: TensorLike): Tensor => negOp([x], {});

/** The sign of x elementwise: −1, 0 or 1 (−0 and NaN stay themselves). */
export const [signPrim, sign] = flatUnary("sign", "sign", "numeric", (x) => `Math.sign(${x})`, () => (x) => (x > 0 ? 1 : x < 0 ? -1 : x));
/** |x| elementwise. */
export const [absPrim, abs] = smoothUnary("abs", "abs", "numeric", (x) => `Math.abs(${x})`, () => Math.abs, (x) => sign(x));
/** eˣ elementwise (floats; an int operand gives float32). */
export const [expPrim, exp] = smoothUnary("exp", "exp", "float", (x) => `Math.exp(${x})`, () => Math.exp, (_x, out) => out);
/** The natural logarithm elementwise (floats). */
export const [logPrim, log] = smoothUnary("log", "log", "float", (x) => `Math.log(${x})`, () => Math.log, (x) => reciprocal(x), (g, x) => div(g, x));
/** log(1 + x) elementwise, accurate for small x (floats). */
export const [log1pPrim, log1p] = smoothUnary("log1p", "log1p", "float", (x) => `Math.log1p(${x})`, () => Math.log1p, (x) => reciprocal(add(x, 1)), (g, x) => div(g, add(x, 1)));
/** eˣ − 1 elementwise, accurate for small x (floats). */
export const [expm1Prim, expm1] = smoothUnary("expm1", "expm1", "float", (x) => `Math.expm1(${x})`, () => Math.expm1, (_x, out) => add(out, 1));
/** √x elementwise (floats). */
export const [sqrtPrim, sqrt] = smoothUnary("sqrt", "sqrt", "float", (x) => `Math.sqrt(${x})`, () => Math.sqrt, (_x, out) => div(0.5, out));
/** 1/√x elementwise (floats). */
export const [rsqrtPrim, rsqrt] = smoothUnary("rsqrt", "rsqrt", "float", (x) => `(1 / Math.sqrt(${x}))`, () => (x) => 1 / Math.sqrt(x), (x, out) => mul(-0.5, div(out, x)));
/** 1/x elementwise (floats). */
export const [reciprocalPrim, reciprocal] = smoothUnary("reciprocal", "reciprocal", "float", (x) => `(1 / ${x})`, () => (x) => 1 / x, (_x, out) => neg(mul(out, out)));
// int32 squares wrap like C: Math.imul, not a double product (inexact beyond 2⁵³) truncated.
/** x² elementwise (int32 wraps like C). */
export const [squarePrim, square] = smoothUnary(
  "square",
  "square",
  "numeric",
  (x, dtype) => (dtype === "int32" ? `Math.imul(${x}, ${x})` : `(${x} * ${x})`),
  (dtype) => (dtype === "int32" ? (x) => Math.imul(x, x) : (x) => x * x),
  (x) => mul(x, 2),
);
/** sin x elementwise (floats, radians). */
export const [sinPrim, sin] = smoothUnary("sin", "sin", "float", (x) => `Math.sin(${x})`, () => Math.sin, (x) => cos(x));
/** cos x elementwise (floats, radians). */
export const [cosPrim, cos] = smoothUnary("cos", "cos", "float", (x) => `Math.cos(${x})`, () => Math.cos, (x) => neg(sin(x)));
/** tanh x elementwise (floats). */
export const [tanhPrim, tanh] = smoothUnary("tanh", "tanh", "float", (x) => `Math.tanh(${x})`, () => Math.tanh, (_x, out) => sub(1, mul(out, out)));
// The logistic function, written so that neither branch overflows.
/** The logistic function 1/(1 + e⁻ˣ) elementwise (floats). */
export const [sigmoidPrim, sigmoid] = smoothUnary(
  "sigmoid",
  "sigmoid",
  "float",
  (x) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`,
  () => (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x); // NaN lands here and stays NaN
    return e / (1 + e);
  },
  (_x, out) => mul(out, sub(1, out)),
);
/** The largest integer ≤ x elementwise, in x's dtype. */
export const [floorPrim, floor] = flatUnary("floor", "floor", "numeric", (x) => `Math.floor(${x})`, () => Math.floor);
/** The smallest integer ≥ x elementwise, in x's dtype. */
export const [ceilPrim, ceil] = flatUnary("ceil", "ceil", "numeric", (x) => `Math.ceil(${x})`, () => Math.ceil);
// Round half to even, as NumPy does; a negative value that rounds to zero gives −0.
/** The nearest integer elementwise, ties to even (as NumPy), in x's dtype. */
export const [roundPrim, round] = flatUnary(
  "round",
  "round",
  "numeric",
  (x) => `(${x} - Math.floor(${x}) === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`,
  () => roundHalfEven,
);
/** Whether each element is NaN (a bool tensor). */
export const [isNaNPrim, isNaN] = flatUnary("is_nan", "isNaN", "any", (x) => `(${x} !== ${x} ? 1 : 0)`, () => (x) => (Number.isNaN(x) ? 1 : 0), () => "bool");
/** Whether each element is finite, neither ±Infinity nor NaN (a bool tensor). */
export const [isFinitePrim, isFinite] = flatUnary(
  "is_finite",
  "isFinite",
  "any",
  (x) => `(${x} - ${x} === 0 ? 1 : 0)`,
  () => (x) => (Number.isFinite(x) ? 1 : 0),
  () => "bool",
);

/** The nearest integer, ties to the even one (the reference of `round`). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const frac = x - f; // exact; NaN for ±Infinity and NaN
  const r = frac < 0.5 ? f : frac > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

// The identity whose derivative is zero: gradients do not flow through it (any order).
/** x itself, as a constant for differentiation: grad, vjp and jvp see a zero derivative through it. */
export const [stopGradientPrim, stopGradient] = flatUnary("stop_gradient", "stopGradient", "any", (x) => x, () => (x) => x);
