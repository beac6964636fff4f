// The two consumers of the scalar expression language agree bit for bit: random well-typed
// expressions (every operation of expr.ts, f32/f64/i32 operands, constants from the corner
// values) are rendered to JavaScript — as statements and as one expression — compiled through
// the checked-source path, and compared with the interpreter on corner values (NaN, ±Inf, ±0,
// subnormals, ties, the int32 extremes), by Object.is.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { S, type ScalarExpr, type ScalarType, formatScalar } from "../src/compile/scalar/expr.js";
import { interpretScalar } from "../src/compile/scalar/interpret.js";
import { renderJsExpression, renderJsStatements } from "../src/compile/scalar/render-js.js";
import { compileKernelSource } from "../src/compile/codegen/emitter.js";
import { expF32, expm1F32, log1pF32, logF32, sigmoidF32, tanhF32 } from "../src/compile/scalar/fastmath.js";
import { runs } from "./runs.js";

const F32 = [0, -0, 1, -1, 0.5, -2.5, 1.5, 3, 0.1, 1e-30, 1.401298464324817e-45, -1e-40, 3.4028234663852886e38, 88.5, -103.5, 16777217, NaN, Infinity, -Infinity].map(Math.fround);
const F64 = [...F32, 0.1, 1 / 3, 1e308, -1e-310, 2 ** 53 + 2, 4503599627370497.5, -0.49999999999999994];
const I32 = [0, 1, -1, 2, 7, 46341, 65536, 2147483647, -2147483648, -2147483647];

const ARG_TYPES: readonly ScalarType[] = ["f32", "f64", "i32"];

/** A random expression of `type` with at most `depth` levels of operations. */
function exprArb(type: ScalarType, depth: number): fc.Arbitrary<ScalarExpr> {
  const leaves: fc.Arbitrary<ScalarExpr>[] = [
    fc.constant(S.arg(ARG_TYPES.indexOf(type), type)),
    fc.constantFrom(...(type === "f32" ? F32 : type === "f64" ? F64 : I32)).map((v) => S.c(v, type)),
  ];
  if (depth === 0) return fc.oneof(...leaves);
  const sub = (t: ScalarType) => exprArb(t, depth - 1);
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
  if (type === "f32") ops.push(sub("f64").map(S.demote));
  if (type === "f64") {
    ops.push(sub("f32").map(S.promote), sub("i32").map(S.fromInt), sub("f64").map(S.exponent));
    ops.push(fc.integer({ min: -1022, max: 1023 }).map((n) => S.pow2(S.c(n, "f64"))));
    ops.push(fc.tuple(fc.constantFrom("exp", "log", "log1p", "expm1", "sin", "cos", "tanh") as fc.Arbitrary<"exp">, same).map(([fn, a]) => S.libm(fn, a)));
    ops.push(fc.tuple(same, same).map(([a, b]) => S.libm("pow", a, b)));
  }
  if (type === "i32") {
    ops.push(
      any.chain((t) => fc.tuple(fc.constantFrom(S.eq, S.ne, S.lt, S.le, S.gt, S.ge), sub(t), sub(t))).map(([f, a, b]) => f(a, b)),
      fc.tuple(fc.constantFrom(S.and, S.or), same, same).map(([f, a, b]) => f(a, b)),
      sub("f64").map(S.toInt),
    );
  }
  return fc.oneof({ depthSize: "small" }, ...leaves, ...ops);
}

/** Every combination-free column of corner values for the three operands (zipped with offsets). */
function operandColumns(): [Float64Array, Float64Array, Float64Array] {
  const n = F64.length * 3;
  const col = (values: readonly number[], shift: number) => Float64Array.from({ length: n }, (_, i) => values[(i * shift + i) % values.length]!);
  return [col(F32, 1), col(F64, 2), col(I32, 3)];
}

type Kernel = (ins: readonly Float64Array[], out: Float64Array) => void;

/** A loop kernel computing `root` over the three operand columns, as statements or as one expression. */
function compileJs(root: ScalarExpr, form: "statements" | "expression", n: number): Kernel {
  const body =
    form === "statements"
      ? [...renderJsStatements(root, ["t0", "t1", "t2"], "t3", (k) => `t3_${k}`), "out[i0] = t3;"]
      : [`out[i0] = ${renderJsExpression(root, ["t0", "t1", "t2"])};`];
  const source = [
    "return function kernel(ins, out) {",
    "const in0 = ins[0];",
    "const in1 = ins[1];",
    "const in2 = ins[2];",
    `for (let i0 = 0; i0 < ${n}; i0++) {`,
    "const t0 = in0[i0];",
    "const t1 = in1[i0];",
    "const t2 = in2[i0];",
    ...body,
    "}",
    "};",
  ].join("\n");
  return compileKernelSource(source) as unknown as Kernel;
}

function check(root: ScalarExpr): void {
  const cols = operandColumns();
  const n = cols[0].length;
  const fn = interpretScalar(root, 3);
  const want = Array.from({ length: n }, (_, i) => fn(cols[0][i]!, cols[1][i]!, cols[2][i]!));
  for (const form of ["statements", "expression"] as const) {
    const out = new Float64Array(n);
    compileJs(root, form, n)(cols, out);
    for (let i = 0; i < n; i++) {
      if (!Object.is(out[i], want[i])) {
        expect.fail(`${form}: ${formatScalar(root)} at (${cols[0][i]}, ${cols[1][i]}, ${cols[2][i]}): JS ${out[i]}, interpreter ${want[i]}`);
      }
    }
  }
}

describe("JS renderer ≡ interpreter on random expressions, bit for bit", () => {
  for (const type of ARG_TYPES) {
    it(`${type} results`, () => {
      fc.assert(fc.property(exprArb(type, 4), check), runs(150));
    });
  }

  it("the float32 approximations (deep DAGs with shared nodes), nested in each other", () => {
    const x = S.arg(0, "f32");
    const fns = [expF32, expm1F32, logF32, log1pF32, tanhF32, sigmoidF32];
    fc.assert(
      fc.property(fc.constantFrom(...fns), fc.constantFrom(...fns), (f, g) => check(f(g(x)))),
      runs(100),
    );
  });
});
