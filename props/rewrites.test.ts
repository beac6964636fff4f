// The rewriting passes (simplify, fold, CSE) meet every corner literal: for each binary op, each
// literal of CORNER_LITERALS (0, −0, ±1, 2, 0.1, 0.3, 1e-30, NaN, ±Inf) on either side, applied to
// a vector holding every corner value, each pass alone — and the whole compiler — computes
// exactly what the unoptimised program computes in the reference interpreter (Object.is, so
// x + 0 → x on x = −0, x·0 → 0 on NaN or ±Inf, and a CSE that confuses 0 with −0 are caught).
// The single-op and two-literal cases are enumerated exhaustively; chains of three are drawn.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/index.js";
import type { Program } from "../src/ir/program.js";
import { verifyProgram } from "../src/ir/verify.js";
import { evalProgram } from "../src/trace/interpret.js";
import { eliminateCommonSubexpressions } from "../src/compile/passes/cse.js";
import { foldConstants } from "../src/compile/passes/fold-constants.js";
import { simplifyAlgebra } from "../src/compile/passes/simplify.js";
import { optimizeProgram } from "../src/compile/pipeline.js";
import { CORNER_LITERALS } from "./arbitraries.js";
import { tensorsDifference } from "./exact.js";
import { runs } from "./runs.js";

type Op = [string, (a: Tensor, b: Tensor) => Tensor];
const OPS: readonly Op[] = [
  ["add", fx.add],
  ["sub", fx.sub],
  ["mul", fx.mul],
  ["div", fx.div],
  ["maximum", fx.maximum],
  ["minimum", fx.minimum],
  ["pow", fx.pow],
];
const PASSES: [string, (p: Program) => Program][] = [
  ["simplify", simplifyAlgebra],
  ["fold", foldConstants],
  ["cse", eliminateCommonSubexpressions],
  ["all optimisations", optimizeProgram],
];
const DTYPES = ["float32", "float64"] as const;

/** Every corner value once (and a few ordinary ones), as a vector of `dtype`. */
function cornerVector(dtype: "float32" | "float64"): Tensor {
  const tiny = dtype === "float32" ? 1e-45 : 5e-324;
  const huge = dtype === "float32" ? 3.4e38 : 1.7e308;
  return fx.tensor([...CORNER_LITERALS, tiny, -tiny, huge, -huge, 1e30, -7.5, 3], { dtype });
}

/** The pass alone: the reference evaluation of its output equals that of the traced program. */
function checkPass(name: string, pass: (p: Program) => Program, f: (x: Tensor) => Tensor | Tensor[], x: Tensor, label: string): void {
  const p = fx.trace(f)(x);
  const q = pass(p);
  verifyProgram(q);
  const diff = tensorsDifference(evalProgram(q, [x], { reference: true }), evalProgram(p, [x], { reference: true }));
  if (diff !== null) expect.fail(`${name} on ${label} (${x.dtype}): ${diff}\n${String(p)}\nafter ${name}:\n${String(q)}`);
}

/** jit and eager equal the reference of the traced program. */
function checkCompiled(f: (x: Tensor) => Tensor | Tensor[], x: Tensor, label: string): void {
  const p = fx.trace(f)(x);
  const expected = evalProgram(p, [x], { reference: true });
  const asList = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r : [r]);
  const jitDiff = tensorsDifference(asList(fx.jit(f)(x)), expected);
  if (jitDiff !== null) expect.fail(`jit on ${label} (${x.dtype}): ${jitDiff}\n${String(p)}`);
  const eagerDiff = tensorsDifference(asList(f(x)), expected);
  if (eagerDiff !== null) expect.fail(`eager on ${label} (${x.dtype}): ${eagerDiff}\n${String(p)}`);
}

const lit = (v: number, dtype: string) => fx.scalar(v, dtype as "float32");
const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

// One test per pass and op, so that a wrong rule in one place does not hide another.
for (const [passName, pass] of PASSES) {
  describe(`${passName} is exact on every corner literal (exhaustive)`, () => {
    for (const [name, op] of OPS) {
      it(`${name}: x op c, c op x, (x op c₁) op c₂, and the two outputs x op c₁, x op c₂`, () => {
        for (const dtype of DTYPES) {
          const x = cornerVector(dtype);
          for (const c1 of CORNER_LITERALS) {
            checkPass(passName, pass, (t) => op(t, lit(c1, dtype)), x, `${name}(x, ${show(c1)})`);
            checkPass(passName, pass, (t) => op(lit(c1, dtype), t), x, `${name}(${show(c1)}, x)`);
            for (const c2 of CORNER_LITERALS) {
              const label = `${name} with ${show(c1)}, ${show(c2)}`;
              checkPass(passName, pass, (t) => op(op(t, lit(c1, dtype)), lit(c2, dtype)), x, `(x ${label})`);
              checkPass(passName, pass, (t) => [op(t, lit(c1, dtype)), op(t, lit(c2, dtype))], x, `[x ${label}]`);
            }
          }
        }
      });
    }
  });
}

describe("pad values are kept exactly by every pass (CSE keys distinguish 0 and −0, NaN and ±Inf)", () => {
  for (const [passName, pass] of PASSES) {
    it(`${passName}: two outputs pad(x, c₁), pad(x, c₂) for every pair of corner pad values`, () => {
      for (const dtype of DTYPES) {
        const x = cornerVector(dtype);
        for (const c1 of CORNER_LITERALS) {
          for (const c2 of CORNER_LITERALS) {
            const f = (t: Tensor) => [fx.pad(t, [[1, 1]], { value: c1 }), fx.pad(t, [[1, 1]], { value: c2 })];
            checkPass(passName, pass, f, x, `[pad ${show(c1)}, pad ${show(c2)}]`);
          }
        }
      }
    });
  }
});

describe("compiled code is exact on every corner literal", () => {
  for (const [name, op] of OPS) {
    it(`jit and eager of x ${name} c and c ${name} x (exhaustive)`, () => {
      for (const dtype of DTYPES) {
        const x = cornerVector(dtype);
        for (const c of CORNER_LITERALS) {
          checkCompiled((t) => op(t, lit(c, dtype)), x, `${name}(x, ${show(c)})`);
          checkCompiled((t) => op(lit(c, dtype), t), x, `${name}(${show(c)}, x)`);
        }
      }
    });
  }

  it("random chains of three literal ops on x: every pass alone, jit and eager", () => {
    const step = fc.record({ op: fc.constantFrom(...OPS), c: fc.constantFrom(...CORNER_LITERALS), left: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 3, maxLength: 3 }), fc.constantFrom(...DTYPES), (steps, dtype) => {
        const f = (t: Tensor) => steps.reduce((acc, s) => (s.left ? s.op[1](lit(s.c, dtype), acc) : s.op[1](acc, lit(s.c, dtype))), t);
        const label = steps.map((s) => (s.left ? `${show(s.c)} ${s.op[0]} ·` : `· ${s.op[0]} ${show(s.c)}`)).join(" ; ");
        const x = cornerVector(dtype);
        for (const [passName, pass] of PASSES) checkPass(passName, pass, f, x, label);
        checkCompiled(f, x, label);
      }),
      runs(200),
    );
  });
});

