// Trace then interpret ≡ eager ≡ the reference interpreter (bit for bit), on randomly generated
// programs and inputs (props/arbitraries.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { programArb, programWithInputsArb, sameValues } from "./arbitraries.js";
import { tensorDifference } from "./exact.js";
import { runs } from "./runs.js";

const RUNS = runs(150);

describe("trace then interpret ≡ eager", () => {
  it("on random programs of every op kind (float32), bit for bit", () => {
    fc.assert(
      fc.property(programWithInputsArb(), ({ program, inputs }) => {
        const eager = program.fn(...inputs);
        const traced = fx.trace(program.fn)(...inputs);
        fx.verifyProgram(traced);
        const [out] = fx.evalProgram(traced, inputs);
        expect(out!.shape).toEqual(eager.shape);
        expect(sameValues(out!, eager)).toBe(true);
        // Eager ops run compiled one-op kernels; the primitives' reference loops are the
        // independent oracle, and they agree bit for bit (Object.is: NaN ≡ NaN, −0 ≢ +0).
        const [ref] = fx.evalProgram(traced, inputs, { reference: true });
        expect(tensorDifference(eager, ref!), String(program)).toBeNull();
      }),
      RUNS,
    );
  });

  it("on smooth float64 programs", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float64" }), ({ program, inputs }) => {
        const eager = program.fn(...inputs);
        const traced = fx.trace(program.fn)(...inputs);
        const [out] = fx.evalProgram(traced, inputs);
        expect(eager.dtype).toBe("float64");
        expect(sameValues(out!, eager)).toBe(true);
        const [ref] = fx.evalProgram(traced, inputs, { reference: true });
        expect(tensorDifference(eager, ref!), String(program)).toBeNull();
      }),
      RUNS,
    );
  });

  it("smooth programs stay finite and bounded on inputs in [-2, 2]", () => {
    fc.assert(
      fc.property(programWithInputsArb({ smooth: true, dtype: "float64", maxNodes: 12 }), ({ program, inputs }) => {
        const y = program.fn(...inputs).data();
        for (const v of y) expect(Number.isFinite(v) && Math.abs(v) < 1e4).toBe(true);
      }),
      RUNS,
    );
  });

  it("tracing records no values: the program depends only on input shapes", () => {
    fc.assert(
      fc.property(programArb(), (program) => {
        const zeros = program.inputShapes.map((s) => fx.zeros(s));
        const ones = program.inputShapes.map((s) => fx.ones(s));
        expect(String(fx.trace(program.fn)(...zeros))).toBe(String(fx.trace(program.fn)(...ones)));
      }),
      runs(100),
    );
  });
});
