// The scalar expression language: what an elementwise primitive computes, as data. A primitive's
// lowering returns one expression tree (a DAG: a node used twice is the same object) over its
// operands' stored values; renderers turn it into code (render-js.ts, the WebAssembly renderer)
// and the interpreter evaluates it (interpret.ts). Its semantics are defined here, once, by the
// types and the table of operations below; every consumer must agree with it bit for bit.
//
// This module depends only on the error classes, so that primitives can build descriptions
// without importing the compiler.

import { FluxionError } from "../errors.js";

/**
 * A value's machine type. `f32` values are IEEE single values (held exactly in a double), `f64`
 * doubles, `i32` 32-bit two's-complement integers (bool values are `i32` 0 or 1).
 */
export type ScalarType = "f32" | "f64" | "i32";

/**
 * Operations on operands of the result's type (`f32` ops round to single as IEEE does, `i32` ops
 * wrap modulo 2³²):
 * - `add sub mul div` (div: floats only), `neg abs` (i32 abs(−2³¹) = −2³¹), `sqrt floor ceil`
 *   (floats), `nearest` (floats: round half to even, keeps −0), `min max`: not provided; built
 *   from `select` so that NaN and −0 rules are explicit.
 * Comparisons (operands of one type, result `i32` 0/1; IEEE: NaN compares unequal, −0 = +0):
 * - `eq ne lt le gt ge`.
 * On `i32` 0/1 values: `and or` (bitwise).
 * `select(c, a, b)`: `a` where the `i32` `c` is nonzero, else `b` (both are always computed).
 * Conversions: `promote` f32→f64 (exact), `demote` f64→f32 (round to nearest even, overflow to
 * ±Inf), `fromInt` i32→f64 (exact), `toInt` f64→i32 (truncate, wrap modulo 2³²; NaN, ±Inf → 0).
 * Bit-level helpers for approximations (f64 → f64, or f32 → f32 on the single's fields):
 * - `exponent(x)`: the unbiased exponent field of x, floor(log2 |x|) for a normal x; f64: −1023
 *   for 0 and subnormals, 1024 for ±Inf and NaN; f32: −127 for 0 and subnormal singles, 128 for
 *   ±Inf and NaN;
 * - `pow2(n)`: exactly 2ⁿ for n = ToInt32(n) in [−1022, 1023] (f64) or [−126, 127] (f32), the
 *   normal powers of two of the type (NaN counts as 0; callers keep n in range: outside it the
 *   renderers may differ).
 */
export type OpName =
  | "add" | "sub" | "mul" | "div" | "neg" | "abs" | "sqrt" | "floor" | "ceil" | "nearest"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge"
  | "and" | "or" | "select"
  | "promote" | "demote" | "fromInt" | "toInt"
  | "exponent" | "pow2";

/** Library functions in double precision (JavaScript's `Math` functions of the same names). */
export type LibmName = "exp" | "log" | "log1p" | "expm1" | "sin" | "cos" | "tanh" | "pow";

/** An operand of the primitive (its stored value). */
export interface ArgNode {
  readonly kind: "arg";
  readonly index: number;
  readonly type: ScalarType;
}
/** A constant, exactly representable in its type. */
export interface ConstNode {
  readonly kind: "const";
  readonly value: number;
  readonly type: ScalarType;
}
/** An operation of the table above. */
export interface OpNode {
  readonly kind: "op";
  readonly op: OpName;
  readonly type: ScalarType;
  readonly args: readonly ScalarExpr[];
}
/** A double-precision library function (f64 operands, f64 result). */
export interface LibmNode {
  readonly kind: "libm";
  readonly fn: LibmName;
  readonly type: "f64";
  readonly args: readonly ScalarExpr[];
}
/** A node of a scalar expression. */
export type ScalarExpr = ArgNode | ConstNode | OpNode | LibmNode;

const COMPARISONS = new Set<OpName>(["eq", "ne", "lt", "le", "gt", "ge"]);

/** Whether `op` is a comparison (its operands' type is its first operand's, its result i32). */
export function isComparison(op: OpName): boolean {
  return COMPARISONS.has(op);
}

/** The type an elementwise operand or result of `dtype` is held in. */
export function scalarTypeOf(dtype: "float32" | "float64" | "int32" | "bool"): ScalarType {
  return dtype === "float32" ? "f32" : dtype === "float64" ? "f64" : "i32";
}

/** A description that mixes types (a bug in a primitive's description, raised as it is built). */
export class ScalarTypeError extends FluxionError {}

function op(name: OpName, type: ScalarType, args: readonly ScalarExpr[]): OpNode {
  return { kind: "op", op: name, type, args };
}

function same(name: string, a: ScalarExpr, b: ScalarExpr): ScalarType {
  if (a.type !== b.type) throw new ScalarTypeError(`scalar ${name}: operand types differ: ${a.type} and ${b.type}`);
  return a.type;
}

function want(name: string, x: ScalarExpr, ...types: ScalarType[]): void {
  if (!types.includes(x.type)) throw new ScalarTypeError(`scalar ${name}: operand must be ${types.join(" or ")}, got ${x.type}`);
}

/** Builders that check operand types as a description is built (a mistake fails at definition). */
export const S = {
  arg: (index: number, type: ScalarType): ArgNode => ({ kind: "arg", index, type }),
  /** A constant of `type`; f32 constants must be single values, i32 constants 32-bit integers. */
  c(value: number, type: ScalarType): ConstNode {
    const ok = type === "f64" || Number.isNaN(value) || (type === "f32" ? Math.fround(value) === value : (value | 0) === value && !Object.is(value, -0));
    if (!ok) throw new ScalarTypeError(`scalar const: ${value} is not a ${type} value`);
    return { kind: "const", value, type };
  },
  add: (a: ScalarExpr, b: ScalarExpr) => op("add", same("add", a, b), [a, b]),
  sub: (a: ScalarExpr, b: ScalarExpr) => op("sub", same("sub", a, b), [a, b]),
  mul: (a: ScalarExpr, b: ScalarExpr) => op("mul", same("mul", a, b), [a, b]),
  div(a: ScalarExpr, b: ScalarExpr): OpNode {
    want("div", a, "f32", "f64");
    return op("div", same("div", a, b), [a, b]);
  },
  neg: (a: ScalarExpr) => op("neg", a.type, [a]),
  abs: (a: ScalarExpr) => op("abs", a.type, [a]),
  sqrt: (a: ScalarExpr) => (want("sqrt", a, "f32", "f64"), op("sqrt", a.type, [a])),
  floor: (a: ScalarExpr) => (want("floor", a, "f32", "f64"), op("floor", a.type, [a])),
  ceil: (a: ScalarExpr) => (want("ceil", a, "f32", "f64"), op("ceil", a.type, [a])),
  nearest: (a: ScalarExpr) => (want("nearest", a, "f32", "f64"), op("nearest", a.type, [a])),
  eq: (a: ScalarExpr, b: ScalarExpr) => (same("eq", a, b), op("eq", "i32", [a, b])),
  ne: (a: ScalarExpr, b: ScalarExpr) => (same("ne", a, b), op("ne", "i32", [a, b])),
  lt: (a: ScalarExpr, b: ScalarExpr) => (same("lt", a, b), op("lt", "i32", [a, b])),
  le: (a: ScalarExpr, b: ScalarExpr) => (same("le", a, b), op("le", "i32", [a, b])),
  gt: (a: ScalarExpr, b: ScalarExpr) => (same("gt", a, b), op("gt", "i32", [a, b])),
  ge: (a: ScalarExpr, b: ScalarExpr) => (same("ge", a, b), op("ge", "i32", [a, b])),
  and: (a: ScalarExpr, b: ScalarExpr) => (want("and", a, "i32"), op("and", same("and", a, b), [a, b])),
  or: (a: ScalarExpr, b: ScalarExpr) => (want("or", a, "i32"), op("or", same("or", a, b), [a, b])),
  select(c: ScalarExpr, a: ScalarExpr, b: ScalarExpr): OpNode {
    want("select", c, "i32");
    return op("select", same("select", a, b), [c, a, b]);
  },
  promote: (a: ScalarExpr) => (want("promote", a, "f32"), op("promote", "f64", [a])),
  demote: (a: ScalarExpr) => (want("demote", a, "f64"), op("demote", "f32", [a])),
  fromInt: (a: ScalarExpr) => (want("fromInt", a, "i32"), op("fromInt", "f64", [a])),
  toInt: (a: ScalarExpr) => (want("toInt", a, "f64"), op("toInt", "i32", [a])),
  exponent: (a: ScalarExpr) => (want("exponent", a, "f32", "f64"), op("exponent", a.type, [a])),
  pow2: (a: ScalarExpr) => (want("pow2", a, "f32", "f64"), op("pow2", a.type, [a])),
  libm(fn: LibmName, ...args: ScalarExpr[]): LibmNode {
    for (const a of args) want(fn, a, "f64");
    return { kind: "libm", fn, type: "f64", args };
  },
  /** `x` as a double (promoted from f32, converted from i32; a double as it is). */
  toF64(x: ScalarExpr): ScalarExpr {
    return x.type === "f64" ? x : x.type === "f32" ? S.promote(x) : S.fromInt(x);
  },
  /** A double rounded to `type` as storing it would round it (f64: unchanged). */
  fromF64(x: ScalarExpr, type: "f32" | "f64"): ScalarExpr {
    return type === "f64" ? x : S.demote(x);
  },
};

/** The nodes of `root` in an order where every node comes after its operands, each once. */
export function topoOrder(root: ScalarExpr): ScalarExpr[] {
  const order: ScalarExpr[] = [];
  const seen = new Set<ScalarExpr>();
  const visit = (n: ScalarExpr) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.kind === "op" || n.kind === "libm") for (const a of n.args) visit(a);
    order.push(n);
  };
  visit(root);
  return order;
}

/** A readable one-line form of an expression (for messages and tests). */
export function formatScalar(root: ScalarExpr): string {
  const f = (n: ScalarExpr): string => {
    switch (n.kind) {
      case "arg":
        return `x${n.index}:${n.type}`;
      case "const":
        return `${n.value}:${n.type}`;
      case "op":
        return `${n.op}.${n.type}(${n.args.map(f).join(", ")})`;
      case "libm":
        return `${n.fn}(${n.args.map(f).join(", ")})`;
    }
  };
  return f(root);
}
