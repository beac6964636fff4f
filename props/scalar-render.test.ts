// The two consumers of the scalar expression language agree bit for bit: random well-typed
// expressions (every operation of expr.ts, f32/f64/i32 operands, constants from the corner
// values) are rendered to JavaScript — as statements and as one expression — compiled through
// the checked-source path, and compared with the interpreter on corner values (NaN, ±Inf, ±0,
// subnormals, ties, the int32 extremes), by Object.is.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { S, type ScalarExpr, formatScalar } from "../src/scalar/expr.js";
import { ARG_TYPES, exprArb, operandColumns } from "./scalar-arbitraries.js";
import { interpretScalar } from "../src/scalar/interpret.js";
import { renderJsExpression, renderJsStatements } from "../src/compile/scalar/render-js.js";
import { compileKernelSource } from "../src/compile/codegen/emitter.js";
import { expF32, expm1F32, log1pF32, logF32, sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { expF32Steps, expm1F32Steps, log1pF32Steps, logF32Steps, sigmoidF32Steps, tanhF32Steps } from "../src/scalar/fastmath32.js";
import { runs } from "./runs.js";

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

  it("the float32-step approximations (fastmath32.ts), nested in each other and in the double-precision ones", () => {
    const x = S.arg(0, "f32");
    const steps = [expF32Steps, expm1F32Steps, logF32Steps, log1pF32Steps, tanhF32Steps, sigmoidF32Steps];
    const all = [...steps, expF32, logF32, tanhF32];
    fc.assert(
      fc.property(fc.constantFrom(...steps), fc.constantFrom(...all), (f, g) => check(f(g(x)))),
      runs(100),
    );
  });
});
