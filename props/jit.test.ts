// Laws of the compiler, over random programs (props/arbitraries.ts): compiled code equals the
// reference interpreter, every pass alone preserves meaning, fusion never changes results, and
// jit composes with grad.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Program } from "../src/ir/program.js";
import { verifyProgram } from "../src/ir/verify.js";
import { evalProgram } from "../src/trace/interpret.js";
import { eliminateCommonSubexpressions } from "../src/compile/passes/cse.js";
import { eliminateDeadCode } from "../src/compile/passes/dce.js";
import { foldConstants } from "../src/compile/passes/fold-constants.js";
import { fuseElementwise } from "../src/compile/passes/fuse.js";
import { simplifyAlgebra } from "../src/compile/passes/simplify.js";
import { compileProgram, optimizeProgram } from "../src/compile/pipeline.js";
import { jit } from "../src/compile/jit.js";
import { allClose, programWithInputsArb } from "./arbitraries.js";
import { runs } from "./runs.js";

const RUNS = runs(100);
/** float32 tolerance: fused loops keep intermediates in double precision, the reference rounds each. */
const F32 = [2e-4, 2e-4] as const;
const F64 = [1e-9, 1e-12] as const;

function reference(p: Program, inputs: fx.Tensor[]): fx.Tensor[] {
  return evalProgram(p, inputs, { reference: true });
}

function closeAll(a: readonly fx.Tensor[], b: readonly fx.Tensor[], [rtol, atol]: readonly [number, number]): boolean {
  return a.length === b.length && a.every((x, i) => x.dtype === b[i]!.dtype && allClose(x, b[i]!, rtol, atol));
}

describe("jit equals the reference interpreter", () => {
  it("on float64 programs of every op kind (nearly exactly)", () => {
    fc.assert(
      fc.property(programWithInputsArb({ dtype: "float64" }), ({ program, inputs }) => {
        const expected = reference(fx.trace(program.fn)(...inputs), inputs);
        const got = jit(program.fn, {}, { verify: true })(...inputs);
        expect(closeAll([got], expected, F64), String(program)).toBe(true);
        // Every fusable kernel really is generated code, not a fallback to the reference.
        const { executable } = compileProgram(fx.trace(program.fn)(...inputs));
        for (const s of executable.steps) if (s.spec?.kind !== "call") expect(s.kernel.emitter).not.toBe("reference");
      }),
      RUNS,
    );
  });

  it("on float32 programs within float32 tolerance", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float32" }), ({ program, inputs }) => {
        const expected = reference(fx.trace(program.fn)(...inputs), inputs);
        const got = jit(program.fn)(...inputs);
        expect(closeAll([got], expected, F32), String(program)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("each pass alone preserves semantics", () => {
  const passes: [string, (p: Program) => Program][] = [
    ["dce", eliminateDeadCode],
    ["cse", eliminateCommonSubexpressions],
    ["fold", foldConstants],
    ["simplify", simplifyAlgebra],
    ["fuse", fuseElementwise],
    ["all optimisations", optimizeProgram],
  ];
  for (const [name, pass] of passes) {
    it(name, () => {
      fc.assert(
        fc.property(programWithInputsArb({ dtype: "float64" }), ({ program, inputs }) => {
          const p = fx.trace(program.fn)(...inputs);
          const q = pass(p);
          verifyProgram(q);
          expect(closeAll(reference(q, inputs), reference(p, inputs), F64), `${name}\n${String(program)}\n${String(q)}`).toBe(true);
        }),
        RUNS,
      );
    });
  }
});

describe("fusion never changes results", () => {
  it("compiled with and without fusion agree (float32)", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true }), ({ program, inputs }) => {
        const fused = jit(program.fn)(...inputs);
        const unfused = jit(program.fn, {}, { fuse: false })(...inputs);
        expect(closeAll([fused], [unfused], F32), String(program)).toBe(true);
      }),
      RUNS,
    );
  });

  it("compiled with and without fusion agree exactly on float64 programs", () => {
    fc.assert(
      fc.property(programWithInputsArb({ dtype: "float64" }), ({ program, inputs }) => {
        const fused = jit(program.fn)(...inputs);
        const unfused = jit(program.fn, {}, { fuse: false, optimize: false })(...inputs);
        expect(closeAll([fused], [unfused], F64), String(program)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("jit composes with grad", () => {
  it("jit(grad(f)) equals grad(f)", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float64" }), ({ program, inputs }) => {
        const f = (...xs: fx.Tensor[]) => fx.sum(program.fn(...xs));
        const argnums = inputs.map((_, i) => i);
        const g = fx.grad(f, { argnums });
        const expected = g(...inputs) as fx.Tensor[];
        const got = jit(g)(...inputs) as fx.Tensor[];
        expect(closeAll(got, expected, F64), String(program)).toBe(true);
      }),
      RUNS,
    );
  });

  it("grad(jit(f)) equals grad(f) (jit inlines under a transform)", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float64", maxNodes: 5 }), ({ program, inputs }) => {
        const f = (...xs: fx.Tensor[]) => fx.sum(program.fn(...xs));
        const expected = fx.grad(f)(...inputs) as fx.Tensor;
        const got = fx.grad(jit(f))(...inputs) as fx.Tensor;
        expect(allClose(got, expected, ...F64), String(program)).toBe(true);
      }),
      RUNS,
    );
  });
});
