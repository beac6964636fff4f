// Comparisons (→ bool), logical ops on bools, `where` and `cast`.

import { DTypeError } from "../errors.js";
import { type DType, checkDType, isFloat } from "../tensor/dtype.js";
import { Tensor, strongTensor } from "../tensor/tensor.js";
import { scalar } from "../tensor/create.js";
import {
  type TensorLike,
  broadcastAll,
  castAll,
  defineElementwise,
  elementwiseOp,
  operandDType,
  toTensors,
} from "./elementwise.js";
import { bind } from "../trace/context.js";
import type { Params } from "./primitive.js";
import { S, type ScalarExpr } from "../scalar/expr.js";

type Describe = (xs: readonly ScalarExpr[]) => ScalarExpr;

function comparison(name: string, publicName: string, compare: (a: ScalarExpr, b: ScalarExpr) => ScalarExpr) {
  const prim = defineElementwise<Params>({
    name,
    arity: 2,
    operands: "any",
    result: () => "bool",
    scalar: ([a, b]) => compare(a!, b!),
    vjp: () => [null, null],
    jvp: () => null,
  });
  const op = elementwiseOp(prim, "any", publicName);
  return [prim, (a: TensorLike, b: TensorLike): Tensor => op([a, b], {})] as const;
}

// IEEE comparisons: NaN is unequal to everything (itself included), −0 equals +0.
const equalPair = comparison("eq", "equal", S.eq);
export const equalPrim = equalPair[0];
/** a === b elementwise (a bool tensor; NaN equals nothing, −0 equals +0), with broadcasting. */
export const equal = equalPair[1];
const notEqualPair = comparison("ne", "notEqual", S.ne);
export const notEqualPrim = notEqualPair[0];
/** a !== b elementwise (a bool tensor), with broadcasting. */
export const notEqual = notEqualPair[1];
const lessPair = comparison("lt", "less", S.lt);
export const lessPrim = lessPair[0];
/** a < b elementwise (a bool tensor), with broadcasting. */
export const less = lessPair[1];
const lessEqualPair = comparison("le", "lessEqual", S.le);
export const lessEqualPrim = lessEqualPair[0];
/** a ≤ b elementwise (a bool tensor), with broadcasting. */
export const lessEqual = lessEqualPair[1];
const greaterPair = comparison("gt", "greater", S.gt);
export const greaterPrim = greaterPair[0];
/** a > b elementwise (a bool tensor), with broadcasting. */
export const greater = greaterPair[1];
const greaterEqualPair = comparison("ge", "greaterEqual", S.ge);
export const greaterEqualPrim = greaterEqualPair[0];
/** a ≥ b elementwise (a bool tensor), with broadcasting. */
export const greaterEqual = greaterEqualPair[1];

function logical(name: string, publicName: string, arity: number, scalar: Describe) {
  const prim = defineElementwise<Params>({
    name,
    arity,
    operands: "bool",
    scalar: (xs) => scalar(xs),
    vjp: () => Array(arity).fill(null),
    jvp: () => null,
  });
  return [prim, elementwiseOp(prim, "bool", publicName)] as const;
}

// bools are i32 0/1: and/or are bitwise, not is 1 − a.
const [logicalAndPrim, logicalAndOp] = logical("and", "logicalAnd", 2, ([a, b]) => S.and(a!, b!));
const [logicalOrPrim, logicalOrOp] = logical("or", "logicalOr", 2, ([a, b]) => S.or(a!, b!));
const [logicalNotPrim, logicalNotOp] = logical("not", "logicalNot", 1, ([a]) => S.sub(S.c(1, "i32"), a!));
export { logicalAndPrim, logicalOrPrim, logicalNotPrim };
/** a AND b elementwise over bool tensors. */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => logicalAndOp([a, b], {});
/** a OR b elementwise over bool tensors. */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => logicalOrOp([a, b], {});
/** NOT a elementwise over a bool tensor. */
export const logicalNot = (a: TensorLike): Tensor => logicalNotOp([a], {});

export const wherePrim = defineElementwise<Params>({
  name: "select",
  arity: 3,
  operands: "any",
  dtypeRule(op, [c, a, b]) {
    if (c!.dtype !== "bool") throw new DTypeError(`${op}: condition must be bool, got ${c!.dtype}`);
    if (a!.dtype !== b!.dtype) throw new DTypeError(`${op}: branch dtypes differ: ${a!.dtype} and ${b!.dtype}`);
    return a!.dtype;
  },
  scalar: ([c, a, b]) => S.select(c!, a!, b!),
  vjp: (g, { inputs: [c] }) => [null, where(c!, g, 0), where(c!, 0, g)],
  jvp: ({ inputs: [c], tangents: [, ta, tb] }) => (ta || tb ? where(c!, ta ?? 0, tb ?? 0) : null),
});

/** Picks `a` where `cond` is true and `b` elsewhere (broadcasting all three). */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const [c] = toTensors("where", [cond]);
  if (c!.dtype !== "bool") throw new DTypeError(`where: condition must be bool, got ${c!.dtype}; compare first, e.g. fx.greater(x, 0)`);
  // Numbers among the branches take the other branch's dtype, not the condition's.
  const branches = toTensors("where", [a, b]);
  const same = castAll(branches, operandDType("where", branches, "any"));
  return bind(wherePrim, broadcastAll("where", [c!, ...same]), {});
}

type CastParams = { readonly dtype: DType };

export const castPrim = defineElementwise<CastParams>({
  name: "convert",
  arity: 1,
  operands: "any",
  result: (_d, p) => p.dtype,
  scalar: ([x], p) => convert(x!, p.dtype),
  vjp: (g, { inputs: [x] }) => [isFloat(x!.dtype) && isFloat(g.dtype) ? cast(g, x!.dtype) : null],
  jvp: ({ inputs: [x], tangents: [t], params }) => (t && isFloat(x!.dtype) && isFloat(params.dtype) ? cast(t, params.dtype) : null),
});

/**
 * The value a conversion to `dtype` stores: float32 rounds to nearest even; int32 truncates toward
 * zero (NaN and ±Infinity give 0) and wraps out-of-range values modulo 2³², as JavaScript's
 * ToInt32 does; bool is 1 for any nonzero value, NaN included.
 */
function convert(x: ScalarExpr, dtype: DType): ScalarExpr {
  switch (dtype) {
    case "float32":
      return x.type === "f32" ? x : S.demote(S.toF64(x));
    case "float64":
      return S.toF64(x);
    case "int32":
      return x.type === "i32" ? x : S.toInt(S.toF64(x));
    case "bool":
      return S.ne(x, S.c(0, x.type));
  }
}

/**
 * Converts to `dtype` (float→int truncates toward zero; nonzero, NaN included, → true). A JS
 * number (or a weak tensor standing for one) converts directly from its exact value.
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  checkDType("cast", dtype);
  if (typeof x === "number") return scalar(x, dtype);
  const t = x instanceof Tensor && x.weak ? x : toTensors("cast", [x])[0]!;
  if (t.dtype === dtype) return strongTensor(t);
  return bind(castPrim, [t], { dtype });
}
