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
import type { Params, ScalarFn } from "./primitive.js";

function comparison(name: string, publicName: string, jsOp: string, reference: (a: number, b: number) => boolean) {
  const prim = defineElementwise<Params>({
    name,
    arity: 2,
    operands: "any",
    result: () => "bool",
    expr: ([a, b]) => `(${a} ${jsOp} ${b} ? 1 : 0)`,
    reference: () => (a, b) => (reference(a, b) ? 1 : 0),
    vjp: () => [null, null],
    jvp: () => null,
  });
  const op = elementwiseOp(prim, "any", publicName);
  return [prim, (a: TensorLike, b: TensorLike): Tensor => op([a, b], {})] as const;
}

// IEEE comparisons: NaN is unequal to everything (itself included), −0 equals +0.
/** a === b elementwise (a bool tensor; NaN equals nothing, −0 equals +0), with broadcasting. */
export const [equalPrim, equal] = comparison("eq", "equal", "===", (a, b) => a === b);
/** a !== b elementwise (a bool tensor), with broadcasting. */
export const [notEqualPrim, notEqual] = comparison("ne", "notEqual", "!==", (a, b) => !(a === b));
/** a < b elementwise (a bool tensor), with broadcasting. */
export const [lessPrim, less] = comparison("lt", "less", "<", (a, b) => a < b);
/** a ≤ b elementwise (a bool tensor), with broadcasting. */
export const [lessEqualPrim, lessEqual] = comparison("le", "lessEqual", "<=", (a, b) => a <= b);
/** a > b elementwise (a bool tensor), with broadcasting. */
export const [greaterPrim, greater] = comparison("gt", "greater", ">", (a, b) => b < a);
/** a ≥ b elementwise (a bool tensor), with broadcasting. */
export const [greaterEqualPrim, greaterEqual] = comparison("ge", "greaterEqual", ">=", (a, b) => b <= a);

function logical(name: string, publicName: string, arity: number, expr: (args: readonly string[]) => string, reference: ScalarFn) {
  const prim = defineElementwise<Params>({
    name,
    arity,
    operands: "bool",
    expr: (args) => expr(args),
    reference: () => reference,
    vjp: () => Array(arity).fill(null),
    jvp: () => null,
  });
  return [prim, elementwiseOp(prim, "bool", publicName)] as const;
}

const [logicalAndPrim, logicalAndOp] = logical("and", "logicalAnd", 2, ([a, b]) => `(${a} & ${b})`, (a, b) => (a !== 0 && b !== 0 ? 1 : 0));
const [logicalOrPrim, logicalOrOp] = logical("or", "logicalOr", 2, ([a, b]) => `(${a} | ${b})`, (a, b) => (a !== 0 || b !== 0 ? 1 : 0));
const [logicalNotPrim, logicalNotOp] = logical("not", "logicalNot", 1, ([a]) => `(1 - ${a})`, (a) => (a === 0 ? 1 : 0));
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
  expr: ([c, a, b]) => `(${c} ? ${a} : ${b})`,
  reference: () => (c, a, b) => (c !== 0 ? a : b),
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
  expr: ([x], p) => {
    switch (p.dtype) {
      case "float32":
        return `Math.fround(${x})`;
      case "float64":
        return `(+${x})`;
      case "int32":
        return `(${x} | 0)`;
      case "bool":
        return `(${x} !== 0 ? 1 : 0)`;
    }
  },
  reference: (p) => convertReference(p.dtype),
  vjp: (g, { inputs: [x] }) => [isFloat(x!.dtype) && isFloat(g.dtype) ? cast(g, x!.dtype) : null],
  jvp: ({ inputs: [x], tangents: [t], params }) => (t && isFloat(x!.dtype) && isFloat(params.dtype) ? cast(t, params.dtype) : null),
});

/**
 * The value a conversion to `dtype` stores: float32 rounds to nearest even; int32 truncates toward
 * zero (NaN and ±Infinity give 0) and the int32 store wraps out-of-range values modulo 2³², as
 * JavaScript's ToInt32 does; bool is 1 for any nonzero value, NaN included.
 */
function convertReference(dtype: DType): ScalarFn {
  switch (dtype) {
    case "float32":
      return Math.fround;
    case "float64":
      return (x) => x;
    case "int32":
      return (x) => (Number.isFinite(x) ? Math.trunc(x) : 0);
    case "bool":
      return (x) => (x === 0 ? 0 : 1);
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
