// Elementwise binary arithmetic with NumPy broadcasting: add, sub, mul, div, pow, maximum,
// minimum. At a tie of maximum/minimum each operand gets half the gradient (as JAX and PyTorch).

import type { Tensor } from "../tensor/tensor.js";
import { S, type ScalarExpr } from "../scalar/expr.js";
import { type TensorLike, defineElementwise, elementwiseOp, stored } from "./elementwise.js";
import type { Params } from "./primitive.js";
import { equal, greater, less, where } from "./compare.js";
import { log, neg } from "./unary.js";

/** Adds two tangents where either may be a symbolic zero (null). */
export function addTangents(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

export const addPrim = defineElementwise<Params>({
  name: "add",
  arity: 2,
  operands: "numeric",
  scalar: ([a, b]) => S.add(a!, b!), // float32: IEEE single; int32: wraps
  vjp: (g) => [g, g],
  jvp: ({ tangents: [ta, tb] }) => addTangents(ta!, tb!),
});

export const subPrim = defineElementwise<Params>({
  name: "sub",
  arity: 2,
  operands: "numeric",
  scalar: ([a, b]) => S.sub(a!, b!),
  vjp: (g) => [g, neg(g)],
  jvp: ({ tangents: [ta, tb] }) => (tb ? (ta ? sub(ta, tb) : neg(tb)) : ta!),
});

export const mulPrim = defineElementwise<Params>({
  name: "mul",
  arity: 2,
  operands: "numeric",
  // int32 products wrap like C (the low 32 bits; a double product is inexact beyond 2⁵³).
  scalar: ([a, b]) => S.mul(a!, b!),
  vjp: (g, { inputs: [a, b] }) => [mul(g, b!), mul(g, a!)],
  jvp: ({ inputs: [a, b], tangents: [ta, tb] }) => addTangents(ta ? mul(ta, b!) : null, tb ? mul(a!, tb) : null),
});

export const divPrim = defineElementwise<Params>({
  name: "div",
  arity: 2,
  operands: "float",
  scalar: ([a, b]) => S.div(a!, b!),
  vjp: (g, { inputs: [, b], out }) => [div(g, b!), neg(div(mul(g, out), b!))],
  jvp: ({ inputs: [, b], tangents: [ta, tb], out }) =>
    addTangents(ta ? div(ta, b!) : null, tb ? neg(div(mul(tb, out), b!)) : null),
});

// d/da a^b = b·a^(b−1) (0 where b = 0), d/db a^b = a^b·log(a) (0 where a = 0), as in JAX.
function powGradA(a: Tensor, b: Tensor): Tensor {
  return where(equal(b, 0), 0, mul(b, pow(a, sub(b, 1))));
}
function powGradB(a: Tensor, b: Tensor, out: Tensor): Tensor {
  const zero = equal(a, 0);
  return where(zero, 0, mul(out, log(where(zero, 1, a))));
}

export const powPrim = defineElementwise<Params>({
  name: "pow",
  arity: 2,
  operands: "float",
  scalar: ([a, b], _p, _in, out) => stored(S.libm("pow", S.toF64(a!), S.toF64(b!)), out),
  vjp: (g, { inputs: [a, b], out }) => [mul(g, powGradA(a!, b!)), mul(g, powGradB(a!, b!, out))],
  jvp: ({ inputs: [a, b], tangents: [ta, tb], out }) =>
    addTangents(ta ? mul(ta, powGradA(a!, b!)) : null, tb ? mul(tb, powGradB(a!, b!, out)) : null),
});

/**
 * The share of z = maximum/minimum(x, y)'s cotangent `g` that goes to operand x, as JAX's
 * `_balanced_eq` gives it: all where x wins (`wins(x, y)`: x > y for maximum), half at a tie
 * (x = y, −0 = +0 included), none where y wins or either is NaN (NaN compares false). Written with
 * comparisons of the operands rather than with z, so the backward pass needs no stored z.
 */
function tieShare(g: Tensor, x: Tensor, y: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): Tensor {
  return where(wins(x, y), g, where(equal(x, y), mul(g, 0.5), 0));
}

/**
 * maximum/minimum: `a` where it wins or ties (`keepsFirst(a, b)`: a ≥ b for maximum) or is NaN,
 * else `b` (so NaN propagates from either side). Ties split the gradient ½/½.
 */
function defineExtremum(name: string, keepsFirst: (a: ScalarExpr, b: ScalarExpr) => ScalarExpr, wins: (x: Tensor, y: Tensor) => Tensor) {
  return defineElementwise<Params>({
    name,
    arity: 2,
    operands: "numeric",
    scalar: ([a, b]) => S.select(a!.type === "i32" ? keepsFirst(a!, b!) : S.or(keepsFirst(a!, b!), S.ne(a!, a!)), a!, b!),
    vjp: (g, { inputs: [a, b] }) => [tieShare(g, a!, b!, wins), tieShare(g, b!, a!, wins)],
    jvp: ({ inputs: [a, b], tangents: [ta, tb] }) =>
      addTangents(ta ? tieShare(ta, a!, b!, wins) : null, tb ? tieShare(tb, b!, a!, wins) : null),
  });
}

// NaN wins; between equal values (−0 and +0 included) the first operand is the result.
export const maximumPrim = defineExtremum("maximum", S.ge, greater);
export const minimumPrim = defineExtremum("minimum", S.le, less);

const addOp = elementwiseOp(addPrim, "numeric", "add");
const subOp = elementwiseOp(subPrim, "numeric", "sub");
const mulOp = elementwiseOp(mulPrim, "numeric", "mul");
const divOp = elementwiseOp(divPrim, "float", "div");
const powOp = elementwiseOp(powPrim, "float", "pow");
const maximumOp = elementwiseOp(maximumPrim, "numeric", "maximum");
const minimumOp = elementwiseOp(minimumPrim, "numeric", "minimum");

/** a + b elementwise, with broadcasting and dtype promotion (a JS number takes the tensor's dtype). */
export const add = (a: TensorLike, b: TensorLike): Tensor => addOp([a, b], {});
/** a − b elementwise, with broadcasting and dtype promotion. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => subOp([a, b], {});
/** a · b elementwise, with broadcasting and dtype promotion. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => mulOp([a, b], {});
/** a / b elementwise (true division: ints give float32), with broadcasting. */
export const div = (a: TensorLike, b: TensorLike): Tensor => divOp([a, b], {});
/** aᵇ elementwise (floats), with broadcasting. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => powOp([a, b], {});
/** The larger of a and b elementwise; NaN wins, and between equal values the first operand. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => maximumOp([a, b], {});
/** The smaller of a and b elementwise; NaN wins, and between equal values the first operand. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => minimumOp([a, b], {});
