// Elementwise unary primitives: each one's expression template and its VJP and JVP rules.
// Rules are written with fluxion ops, so the derivatives are programs that can be
// differentiated again. Conventions at kinks: abs'(0) = 0 (sign(0) = 0), sqrt'(0) = +Infinity,
// floor/ceil/round/sign have zero derivative.

import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { type OperandKind, type TensorLike, defineElementwise, elementwiseOp } from "./elementwise.js";
import type { JvpArgs, Params, VjpArgs } from "./primitive.js";
import { add, div, mul, sub } from "./binary.js";

type Deriv = (x: Tensor, out: Tensor) => Tensor;

/** g·f'(x) written directly, when that takes fewer equations than g times f'(x) built first. */
type Times = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/**
 * Defines a smooth unary primitive from its template and derivative f'(x) (given x and f(x)):
 * vjp = g·f'(x), jvp = t·f'(x). `times` may compute g·f'(x) in fewer equations (g/x rather
 * than g·(1/x)).
 */
function smoothUnary(name: string, publicName: string, kind: OperandKind, expr: (x: string, dtype: DType) => string, deriv: Deriv, times?: Times) {
  const scale: Times = times ?? ((g, x, out) => mul(g, deriv(x, out)));
  const prim = defineElementwise<Params>({
    name,
    arity: 1,
    operands: kind,
    expr: ([x], _p, _in, out) => expr(x!, out),
    vjp: (g, { inputs, out }: VjpArgs<Params>) => [scale(g, inputs[0]!, out)],
    jvp: ({ inputs, tangents, out }: JvpArgs<Params>) => (tangents[0] ? scale(tangents[0], inputs[0]!, out) : null),
  });
  const op = elementwiseOp(prim, kind, publicName);
  return [prim, (x: TensorLike) => op([x], {})] as const;
}

/** A piecewise-constant unary primitive: derivative zero everywhere (where defined). */
function flatUnary(name: string, publicName: string, kind: OperandKind, expr: (x: string, dtype: DType) => string, result?: (d: DType) => DType) {
  const prim = defineElementwise<Params>({
    name,
    arity: 1,
    operands: kind,
    ...(result ? { result } : {}),
    expr: ([x], _p, inDtypes) => expr(x!, inDtypes[0]!),
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
  vjp: (g) => [neg(g)],
  jvp: ({ tangents }) => (tangents[0] ? neg(tangents[0]) : null),
});
const negOp = elementwiseOp(negPrim, "numeric", "neg");
export const neg = (x: TensorLike): Tensor => negOp([x], {});

export const [signPrim, sign] = flatUnary("sign", "sign", "numeric", (x) => `Math.sign(${x})`);
export const [absPrim, abs] = smoothUnary("abs", "abs", "numeric", (x) => `Math.abs(${x})`, (x) => sign(x));
export const [expPrim, exp] = smoothUnary("exp", "exp", "float", (x) => `Math.exp(${x})`, (_x, out) => out);
export const [logPrim, log] = smoothUnary("log", "log", "float", (x) => `Math.log(${x})`, (x) => reciprocal(x), (g, x) => div(g, x));
export const [log1pPrim, log1p] = smoothUnary("log1p", "log1p", "float", (x) => `Math.log1p(${x})`, (x) => reciprocal(add(x, 1)), (g, x) => div(g, add(x, 1)));
export const [expm1Prim, expm1] = smoothUnary("expm1", "expm1", "float", (x) => `Math.expm1(${x})`, (_x, out) => add(out, 1));
export const [sqrtPrim, sqrt] = smoothUnary("sqrt", "sqrt", "float", (x) => `Math.sqrt(${x})`, (_x, out) => div(0.5, out));
export const [rsqrtPrim, rsqrt] = smoothUnary("rsqrt", "rsqrt", "float", (x) => `(1 / Math.sqrt(${x}))`, (x, out) => mul(-0.5, div(out, x)));
export const [reciprocalPrim, reciprocal] = smoothUnary("reciprocal", "reciprocal", "float", (x) => `(1 / ${x})`, (_x, out) => neg(mul(out, out)));
export const [squarePrim, square] = smoothUnary("square", "square", "numeric", (x) => `(${x} * ${x})`, (x) => mul(x, 2));
export const [sinPrim, sin] = smoothUnary("sin", "sin", "float", (x) => `Math.sin(${x})`, (x) => cos(x));
export const [cosPrim, cos] = smoothUnary("cos", "cos", "float", (x) => `Math.cos(${x})`, (x) => neg(sin(x)));
export const [tanhPrim, tanh] = smoothUnary("tanh", "tanh", "float", (x) => `Math.tanh(${x})`, (_x, out) => sub(1, mul(out, out)));
// The logistic function, written so that neither branch overflows.
export const [sigmoidPrim, sigmoid] = smoothUnary(
  "sigmoid",
  "sigmoid",
  "float",
  (x) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`,
  (_x, out) => mul(out, sub(1, out)),
);
export const [floorPrim, floor] = flatUnary("floor", "floor", "numeric", (x) => `Math.floor(${x})`);
export const [ceilPrim, ceil] = flatUnary("ceil", "ceil", "numeric", (x) => `Math.ceil(${x})`);
// Round half to even, as NumPy does.
export const [roundPrim, round] = flatUnary(
  "round",
  "round",
  "numeric",
  (x) => `(${x} - Math.floor(${x}) === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`,
);
export const [isNaNPrim, isNaN] = flatUnary("is_nan", "isNaN", "any", (x) => `(${x} !== ${x} ? 1 : 0)`, () => "bool");
export const [isFinitePrim, isFinite] = flatUnary(
  "is_finite",
  "isFinite",
  "any",
  (x) => `(${x} - ${x} === 0 ? 1 : 0)`,
  () => "bool",
);

// The identity whose derivative is zero: gradients do not flow through it (any order).
export const [stopGradientPrim, stopGradient] = flatUnary("stop_gradient", "stopGradient", "any", (x) => x);
