// Random well-typed scalar expressions (src/scalar/expr.ts) and corner-value operand
// columns, shared by the renderer properties (props/scalar-*.test.ts). Operand k of an
// expression has type ARG_TYPES[k]: f32, f64, i32.

import fc from "fast-check";
import { S, type ScalarExpr, type ScalarType } from "../src/scalar/expr.js";

/** Restrictions: `noCalls` leaves out library calls and toInt (no wasm form); `f32Only` makes single-precision trees (the SIMD subset). */
export interface Only {
  readonly noCalls?: boolean;
  readonly f32Only?: boolean;
}

export const F32 = [0, -0, 1, -1, 0.5, -2.5, 1.5, 3, 0.1, 1e-30, 1.401298464324817e-45, -1e-40, 3.4028234663852886e38, 88.5, -103.5, 16777217, NaN, Infinity, -Infinity].map(Math.fround);
export const F64 = [...F32, 0.1, 1 / 3, 1e308, -1e-310, 2 ** 53 + 2, 4503599627370497.5, -0.49999999999999994];
export const I32 = [0, 1, -1, 2, 7, 46341, 65536, 2147483647, -2147483648, -2147483647];

export const ARG_TYPES: readonly ScalarType[] = ["f32", "f64", "i32"];

/** A random expression of `type` with at most `depth` levels of operations. */
export function exprArb(type: ScalarType, depth: number, only: Only = {}): fc.Arbitrary<ScalarExpr> {
  const leaves: fc.Arbitrary<ScalarExpr>[] = [
    fc.constant(S.arg(ARG_TYPES.indexOf(type), type)),
    fc.constantFrom(...(type === "f32" ? F32 : type === "f64" ? F64 : I32)).map((v) => S.c(v, type)),
  ];
  if (depth === 0) return fc.oneof(...leaves);
  if (only.f32Only) return f32OnlyArb(type, depth, leaves);
  const sub = (t: ScalarType) => exprArb(t, depth - 1, only);
  const any = fc.constantFrom<ScalarType>("f32", "f64", "i32");
  const same = sub(type);
  const ops: fc.Arbitrary<ScalarExpr>[] = [
    fc.tuple(fc.constantFrom(S.add, S.sub, S.mul), same, same).map(([f, a, b]) => f(a, b)),
    fc.tuple(fc.constantFrom(S.neg, S.abs), same).map(([f, a]) => f(a)),
    fc.tuple(sub("i32"), same, same).map(([c, a, b]) => S.select(c, a, b)),
  ];
  if (type !== "i32") {
    ops.push(fc.tuple(same, same).map(([a, b]) => S.div(a, b)));
    ops.push(fc.tuple(fc.constantFrom(S.sqrt, S.floor, S.ceil, S.nearest), same).map(([f, a]) => f(a)));
  }
  if (type === "f32") ops.push(sub("f64").map(S.demote), ...singleBitOps(same));
  if (type === "f64") {
    ops.push(sub("f32").map(S.promote), sub("i32").map(S.fromInt), sub("f64").map(S.exponent));
    ops.push(fc.integer({ min: -1022, max: 1023 }).map((n) => S.pow2(S.c(n, "f64"))));
    if (!only.noCalls) {
      ops.push(fc.tuple(fc.constantFrom("exp", "log", "log1p", "expm1", "sin", "cos", "tanh") as fc.Arbitrary<"exp">, same).map(([fn, a]) => S.libm(fn, a)));
      ops.push(fc.tuple(same, same).map(([a, b]) => S.libm("pow", a, b)));
    }
  }
  if (type === "i32") {
    ops.push(
      any.chain((t) => fc.tuple(fc.constantFrom(S.eq, S.ne, S.lt, S.le, S.gt, S.ge), sub(t), sub(t))).map(([f, a, b]) => f(a, b)),
      fc.tuple(fc.constantFrom(S.and, S.or), same, same).map(([f, a, b]) => f(a, b)),
    );
    if (!only.noCalls) ops.push(sub("f64").map(S.toInt));
  }
  return fc.oneof({ depthSize: "small" }, ...leaves, ...ops);
}

/** Every combination-free column of corner values for the three operands (zipped with offsets). */
export function operandColumns(): [Float64Array, Float64Array, Float64Array] {
  const n = F64.length * 3;
  const col = (values: readonly number[], shift: number) => Float64Array.from({ length: n }, (_, i) => values[(i * shift + i) % values.length]!);
  return [col(F32, 1), col(F64, 2), col(I32, 3)];
}


/** Single-precision trees: f32 arithmetic, comparisons of f32 values, and/or of comparisons, select. */
function f32OnlyArb(type: ScalarType, depth: number, leaves: fc.Arbitrary<ScalarExpr>[]): fc.Arbitrary<ScalarExpr> {
  const f = exprArb("f32", depth - 1, { f32Only: true });
  const cmp = fc.tuple(fc.constantFrom(S.eq, S.ne, S.lt, S.le, S.gt, S.ge), f, f).map(([g, a, b]) => g(a, b));
  const mask: fc.Arbitrary<ScalarExpr> = fc.oneof(cmp, fc.tuple(fc.constantFrom(S.and, S.or), cmp, cmp).map(([g, a, b]) => g(a, b)));
  if (type !== "f32") return mask;
  return fc.oneof(
    { depthSize: "small" },
    leaves[0]!,
    leaves[1]!,
    fc.tuple(fc.constantFrom(S.add, S.sub, S.mul, S.div), f, f).map(([g, a, b]) => g(a, b)),
    fc.tuple(fc.constantFrom(S.neg, S.abs, S.sqrt, S.floor, S.ceil, S.nearest), f).map(([g, a]) => g(a)),
    fc.tuple(mask, f, f).map(([c, a, b]) => S.select(c, a, b)),
    ...singleBitOps(f),
  );
}

/** `v` limited to [lo, hi] by selects (NaN passes through). */
function clampTo(v: ScalarExpr, lo: number, hi: number): ScalarExpr {
  const t = v.type;
  return S.select(S.gt(v, S.c(hi, t)), S.c(hi, t), S.select(S.lt(v, S.c(lo, t)), S.c(lo, t), v));
}

/** The single-precision bit-level helpers: exponent of any value, pow2 of a value kept in its range [−126, 127]. */
function singleBitOps(f: fc.Arbitrary<ScalarExpr>): fc.Arbitrary<ScalarExpr>[] {
  return [
    f.map(S.exponent),
    f.map((v) => S.pow2(clampTo(v, -126, 127))),
    fc.integer({ min: -126, max: 127 }).map((n) => S.pow2(S.c(n, "f32"))),
  ];
}
