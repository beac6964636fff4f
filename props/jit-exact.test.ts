// The compiler computes exactly what the reference interpreter computes, bit for bit (Object.is:
// NaN ≡ NaN, −0 ≢ +0), over corner programs (props/corner-programs.ts: float, int32 and bool
// inputs with NaN, ±Inf, ±0, subnormals and the full int32 range; corner literals; several
// outputs). The reference is `evalProgram(program, args, { reference: true })`, which runs each
// primitive's `impl` — plain loops written separately from the templates and kernels — never
// compiled code. Compared with it: jit (all passes), eager ops (one-op compiled kernels), and
// every pass applied alone.

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
import { planMemory } from "../src/compile/passes/plan-memory.js";
import { jit } from "../src/compile/jit.js";
import { type CornerProgramOptions, cornerProgramWithInputsArb } from "./corner-programs.js";
import { tensorsDifference } from "./exact.js";
import { runs } from "./runs.js";

const RUNS = runs(100);

const reference = (p: Program, inputs: readonly fx.Tensor[]) => evalProgram(p, inputs, { reference: true });

function showInputs(inputs: readonly fx.Tensor[]): string {
  return inputs.map((t) => `${t.dtype}[${t.shape.join(",")}] ${JSON.stringify(Array.from(t.data()).map((v) => (Object.is(v, -0) ? "-0" : String(v))))}`).join("\n");
}

function expectSame(got: readonly fx.Tensor[], expected: readonly fx.Tensor[], what: string, context: () => string): void {
  const diff = tensorsDifference(got, expected);
  if (diff !== null) expect.fail(`${what}: ${diff}\n${context()}`);
}

/** Generator profiles: every op and dtype; long float chains (fused loops); int32 arithmetic. */
const PROFILES: [string, CornerProgramOptions][] = [
  ["mixed dtypes, every op kind", {}],
  ["float elementwise chains", { kinds: ["float", "literal", "compare", "where", "reduce"], inputs: ["float"] }],
  ["int32 arithmetic over the full range", { kinds: ["int", "literal", "reduce", "matmul", "compare", "where", "slice"], inputs: ["int32"] }],
];

describe("compiled code equals the reference interpreter bit for bit (corner programs)", () => {
  for (const [name, options] of PROFILES) {
    it(`jit (every pass, fusion) ≡ reference: ${name}, float32 and float64`, () => {
      fc.assert(
        fc.property(cornerProgramWithInputsArb(options), ({ program, inputs }) => {
          const traced = fx.trace(program.fn)(...inputs);
          const got = jit(program.fn, {}, { verify: true })(...inputs) as fx.Tensor[];
          expectSame(got, reference(traced, inputs), "jit", () => `${String(program)}\n${showInputs(inputs)}`);
        }),
        RUNS,
      );
    });
  }

  it("eager ops (one-op compiled kernels) ≡ reference", () => {
    fc.assert(
      fc.property(cornerProgramWithInputsArb(), ({ program, inputs }) => {
        const traced = fx.trace(program.fn)(...inputs);
        expectSame(program.fn(...inputs), reference(traced, inputs), "eager", () => `${String(program)}\n${showInputs(inputs)}`);
      }),
      RUNS,
    );
  });

  it("jit without optimisation or fusion (kernels over planned memory) ≡ reference", () => {
    fc.assert(
      fc.property(cornerProgramWithInputsArb(), ({ program, inputs }) => {
        const traced = fx.trace(program.fn)(...inputs);
        const got = jit(program.fn, {}, { optimize: false, fuse: false })(...inputs) as fx.Tensor[];
        expectSame(got, reference(traced, inputs), "unoptimised jit", () => `${String(program)}\n${showInputs(inputs)}`);
      }),
      RUNS,
    );
  });
});

describe("each pass alone preserves results bit for bit (corner programs)", () => {
  const passes: [string, (p: Program) => Program][] = [
    ["dce", eliminateDeadCode],
    ["cse", eliminateCommonSubexpressions],
    ["fold", foldConstants],
    ["simplify", simplifyAlgebra],
    ["fuse", fuseElementwise],
  ];
  for (const [name, pass] of passes) {
    it(`${name}: reference(pass(p)) ≡ reference(p), and jit of pass(p) alone ≡ reference(p)`, () => {
      fc.assert(
        fc.property(cornerProgramWithInputsArb(), ({ program, inputs }) => {
          const p = fx.trace(program.fn)(...inputs);
          const q = pass(p);
          verifyProgram(q);
          const expected = reference(p, inputs);
          const context = () => `${String(program)}\nafter ${name}:\n${String(q)}\n${showInputs(inputs)}`;
          expectSame(reference(q, inputs), expected, `reference after ${name}`, context);
          // Compile the pass's output with no other pass (fusion off, optimisation off).
          const run = jit((...xs: fx.Tensor[]) => fx.evalProgram(q, xs), {}, { optimize: false, fuse: false });
          expectSame(run(...inputs) as fx.Tensor[], expected, `compiled after ${name}`, context);
        }),
        RUNS,
      );
    });
  }

  it("memory planning: values sharing a buffer never live at once; buffers fit their values", () => {
    fc.assert(
      fc.property(cornerProgramWithInputsArb(), ({ program, inputs }) => {
        const p = fx.trace(program.fn)(...inputs);
        const plan = planMemory(p);
        for (const b of plan.buffers) {
          for (const v of b.holds) {
            expect(v.dtype).toBe(b.dtype);
            expect(v.shape.reduce((a, d) => a * d, 1)).toBeLessThanOrEqual(b.size);
          }
          for (let i = 0; i < b.holds.length; i++) {
            for (let j = i + 1; j < b.holds.length; j++) {
              const [s1, e1] = plan.lifetimes.get(b.holds[i]!)!;
              const [s2, e2] = plan.lifetimes.get(b.holds[j]!)!;
              // Strictly disjoint: a kernel never reads and writes one buffer.
              expect(e1 < s2 || e2 < s1, `${String(p)}\nbuffer holds ${i} [${s1},${e1}] and ${j} [${s2},${e2}]`).toBe(true);
            }
          }
        }
        // Program outputs and inputs never live in a planned buffer.
        for (const a of p.outputs) if (a.kind === "var") expect(plan.slotOf.get(a)?.kind).not.toBe("temp");
      }),
      RUNS,
    );
  });
});
