// Laws of the compiler over the smooth and raw random programs of props/arbitraries.ts: compiled
// code — fused or not, optimised or not, composed with grad — equals the reference interpreter
// (`evalProgram(p, args, { reference: true })`, the primitives' plain-loop `impl`s) bit for bit.
// Nothing here compares the compiler with itself: "fused ≡ unfused" would let a wrong template
// cancel out, so each compiled variant is compared with the reference instead. The corner-value
// programs (int32/bool inputs, NaN/±Inf/±0, several outputs) and each pass alone are in
// props/jit-exact.test.ts.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Program } from "../src/ir/program.js";
import { evalProgram } from "../src/trace/interpret.js";
import { compileProgram } from "../src/compile/pipeline.js";
import { jit } from "../src/compile/jit.js";
import { programWithInputsArb } from "./arbitraries.js";
import { tensorsDifference } from "./exact.js";
import { runs } from "./runs.js";

const RUNS = runs(100);

function reference(p: Program, inputs: readonly fx.Tensor[]): fx.Tensor[] {
  return evalProgram(p, inputs, { reference: true });
}

function expectSame(got: readonly fx.Tensor[], expected: readonly fx.Tensor[], what: string, program: unknown): void {
  const diff = tensorsDifference(got, expected);
  if (diff !== null) expect.fail(`${what}: ${diff}\n${String(program)}`);
}

const VARIANTS: [string, { optimize?: boolean; fuse?: boolean }][] = [
  ["every pass and fusion", {}],
  ["fusion without the optimisation passes", { optimize: false }],
  ["the optimisation passes without fusion", { fuse: false }],
  ["one kernel per equation", { optimize: false, fuse: false }],
];

describe("jit equals the reference interpreter bit for bit", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`on raw ${dtype} programs of every op kind, every compile variant`, () => {
      fc.assert(
        fc.property(programWithInputsArb({ dtype }), ({ program, inputs }) => {
          const expected = reference(fx.trace(program.fn)(...inputs), inputs);
          for (const [name, options] of VARIANTS) {
            expectSame([jit(program.fn, {}, { verify: true, ...options })(...inputs)], expected, `jit (${name})`, program);
          }
          // Every fusable kernel really is generated code, not a fallback to the reference.
          const { executable } = compileProgram(fx.trace(program.fn)(...inputs));
          for (const s of executable.steps) if (s.spec?.kind !== "call") expect(s.kernel.emitter).not.toBe("reference");
        }),
        RUNS,
      );
    });

    it(`on smooth ${dtype} programs (long fused chains)`, () => {
      fc.assert(
        fc.property(programWithInputsArb({ smooth: true, dtype, maxNodes: 10 }), ({ program, inputs }) => {
          const expected = reference(fx.trace(program.fn)(...inputs), inputs);
          expectSame([jit(program.fn)(...inputs)], expected, "jit", program);
          expectSame([program.fn(...inputs)], expected, "eager", program);
        }),
        RUNS,
      );
    });
  }
});

describe("jit composes with grad, bit for bit with the reference evaluation of grad's program", () => {
  it("jit(grad(f)) ≡ reference(trace(grad(f)))", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float64" }), ({ program, inputs }) => {
        const f = (...xs: fx.Tensor[]) => fx.sum(program.fn(...xs));
        const g = fx.grad(f, { argnums: inputs.map((_, i) => i) });
        const expected = reference(fx.trace(g)(...inputs), inputs);
        expectSame(jit(g)(...inputs) as fx.Tensor[], expected, "jit(grad(f))", program);
      }),
      RUNS,
    );
  });

  it("grad(jit(f)) ≡ reference(trace(grad(f))) (jit inlines under a transform)", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float64", maxNodes: 5 }), ({ program, inputs }) => {
        const f = (...xs: fx.Tensor[]) => fx.sum(program.fn(...xs));
        const expected = reference(fx.trace(fx.grad(f))(...inputs), inputs);
        expectSame([fx.grad(jit(f))(...inputs) as fx.Tensor], expected, "grad(jit(f))", program);
      }),
      RUNS,
    );
  });
});
