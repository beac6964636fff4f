// The float32 transcendentals (src/scalar/fastmath.ts) against float64 Math over a dense
// sweep of float32 inputs: every 2¹²-th bit pattern (2²⁰ inputs per function, both signs, every
// binade, subnormals, ±Inf and NaN payloads), run through the eager JS kernels. Reports the
// maximum error in ulps and relative, and checks the documented bounds and special values.
// A second pass runs a sparser sweep through the interpreter (no generated code) and demands
// the same bits.

import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { S } from "../src/scalar/expr.js";
import { expF32, expm1F32, log1pF32, logF32, sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { interpretScalar } from "../src/scalar/interpret.js";
import { type SweepCase, sigmoid64, softplus64, sweepInputs, ulpOf } from "./float32-sweep.js";

const STEP = 2 ** 12;

// The documented bounds: the primitives are correctly rounded but for ~1e-11 relative (next to ties).
const CASES: SweepCase[] = [
  { name: "exp", op: fx.exp, ref: Math.exp, ulps: 0.501, rel: 6e-8 },
  { name: "expm1", op: fx.expm1, ref: Math.expm1, ulps: 0.501, rel: 6e-8 },
  { name: "log", op: fx.log, ref: Math.log, ulps: 0.501, rel: 6e-8 },
  { name: "log1p", op: fx.log1p, ref: Math.log1p, ulps: 0.501, rel: 6e-8 },
  { name: "tanh", op: fx.tanh, ref: Math.tanh, ulps: 0.501, rel: 6e-8 },
  { name: "sigmoid", op: fx.sigmoid, ref: sigmoid64, ulps: 0.501, rel: 6e-8 },
  // Composites of several float32 ops (each rounds): the sum of their roundings.
  { name: "softplus", op: fx.nn.softplus, ref: softplus64, ulps: 1.5, rel: 1.5e-7 },
  { name: "logSigmoid", op: fx.nn.logSigmoid, ref: (x) => -softplus64(-x), ulps: 1.5, rel: 1.5e-7 },
];

const report: string[] = [];
afterAll(() => console.log(`float32 transcendentals, ${2 ** 32 / STEP} inputs each (every ${STEP}-th bit pattern):\n${report.join("\n")}`));

describe("float32 transcendentals: dense sweep against float64 Math", () => {
  const x = sweepInputs(STEP);
  const input = fx.tensor(x);
  for (const c of CASES) {
    it(`${c.name}: ≤ ${c.ulps} ulp and ≤ ${c.rel} relative; exact specials`, () => {
      const y = c.op(input).data();
      let maxUlp = 0;
      let maxRel = 0;
      let worst = 0;
      let specials = 0;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        const want64 = c.ref(v);
        const want32 = Math.fround(want64);
        const got = y[i]!;
        // Special values, overflow and underflow must be exactly what float64 Math rounds to.
        if (!Number.isFinite(want32) || want32 === 0 || Number.isNaN(v)) {
          if (!Object.is(got, want32)) {
            // A result that rounds to 0 or overflows only by the last ulp may land on the neighbour.
            const near = Number.isFinite(got) && Math.abs(got - want64) <= ulpOf(want64);
            if (!near || Number.isNaN(want32)) expect.fail(`${c.name}(${v}) = ${got}, expected ${want32}`);
          }
          specials++;
          continue;
        }
        const err = Math.abs(got - want64);
        const ulps = err / ulpOf(want64);
        if (ulps > maxUlp) {
          maxUlp = ulps;
          worst = v;
        }
        if (Math.abs(want64) >= 2 ** -126) maxRel = Math.max(maxRel, err / Math.abs(want64));
      }
      report.push(`  ${c.name.padEnd(10)} max ${maxUlp.toFixed(3)} ulp (at x = ${worst}), max relative ${maxRel.toExponential(2)}, ${specials} special/saturated`);
      expect(maxUlp, `${c.name} worst at x = ${worst}`).toBeLessThanOrEqual(c.ulps);
      expect(maxRel).toBeLessThanOrEqual(c.rel);
    });
  }

  it("the IEEE special values exactly: NaN, ±Inf, ±0 and the poles", () => {
    const v = fx.tensor([NaN, Infinity, -Infinity, 0, -0, -1, 89, -104, 1e-45]);
    const show = (t: fx.Tensor) => Array.from(t.data()).map(String);
    expect(show(fx.exp(v))).toEqual(["NaN", "Infinity", "0", "1", "1", "0.3678794503211975", "Infinity", "0", "1"]);
    expect(show(fx.expm1(v))).toEqual(["NaN", "Infinity", "-1", "0", "0", "-0.6321205496788025", "Infinity", "-1", "1.401298464324817e-45"]);
    expect(Object.is(fx.expm1(v).data()[4], -0)).toBe(true);
    expect(show(fx.log(v))).toEqual(["NaN", "Infinity", "NaN", "-Infinity", "-Infinity", "NaN", "4.488636493682861", "NaN", "-103.2789306640625"]);
    expect(show(fx.log1p(v))).toEqual(["NaN", "Infinity", "NaN", "0", "0", "-Infinity", "4.499809741973877", "NaN", "1.401298464324817e-45"]);
    expect(Object.is(fx.log1p(v).data()[4], -0)).toBe(true);
    expect(show(fx.tanh(v))).toEqual(["NaN", "1", "-1", "0", "0", "-0.7615941762924194", "1", "-1", "1.401298464324817e-45"]);
    expect(Object.is(fx.tanh(v).data()[4], -0)).toBe(true);
    expect(show(fx.sigmoid(v))).toEqual(["NaN", "1", "0", "0.5", "0.5", "0.2689414322376251", "1", "0", "0.5"]);
  });
});

describe("the interpreter computes the renderer's bits", () => {
  const x = sweepInputs(2 ** 17);
  const input = fx.tensor(x);
  const arg = S.arg(0, "f32");
  const pairs: [string, (x: fx.Tensor) => fx.Tensor, ReturnType<typeof expF32>][] = [
    ["exp", fx.exp, expF32(arg)],
    ["expm1", fx.expm1, expm1F32(arg)],
    ["log", fx.log, logF32(arg)],
    ["log1p", fx.log1p, log1pF32(arg)],
    ["tanh", fx.tanh, tanhF32(arg)],
    ["sigmoid", fx.sigmoid, sigmoidF32(arg)],
  ];
  for (const [name, op, description] of pairs) {
    it(name, () => {
      const fn = interpretScalar(description, 1);
      const compiled = op(input).data();
      for (let i = 0; i < x.length; i++) {
        const want = fn(x[i]!);
        if (!Object.is(compiled[i], want)) expect.fail(`${name}(${x[i]}): compiled ${compiled[i]}, interpreted ${want}`);
      }
    });
  }
});
