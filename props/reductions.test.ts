// Reduction identities: sum over all = sum of partial sums, mean·n = sum, max ≥ every element,
// argmax indexes the max, max ≤ logSumExp ≤ max + log n, variance ≥ 0, keepDims shapes.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { anyTensorArb, cornerTensorArb } from "./arbitraries.js";
import { tensorDifference } from "./exact.js";
import { runs } from "./runs.js";

const RUNS = runs(150);

/** A float64 tensor of rank ≥ 1 with a random subset of its axes. */
const withAxesArb = anyTensorArb({ minRank: 1, maxRank: 4, maxDim: 4 }, { dtype: "float64", min: -10, max: 10 }).chain((x) =>
  fc.tuple(fc.constant(x), fc.subarray([...Array(x.rank).keys()], { minLength: 1 })),
);

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

describe("reduction identities", () => {
  it("sum over all axes = sum over a subset, then over the rest", () => {
    fc.assert(
      fc.property(withAxesArb, ([x, axes]) => {
        const partial = fx.sum(x, { axis: axes });
        expect(partial.shape).toEqual(x.shape.filter((_, i) => !axes.includes(i)));
        expect(close(fx.sum(partial).item(), fx.sum(x).item())).toBe(true);
      }),
      RUNS,
    );
  });

  it("keepDims keeps the reduced axes as 1s and the same values", () => {
    fc.assert(
      fc.property(withAxesArb, fc.constantFrom(fx.sum, fx.max, fx.min, fx.prod, fx.mean, fx.logSumExp), ([x, axes], op) => {
        const kept = op(x, { axis: axes, keepDims: true });
        expect(kept.shape).toEqual(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
        expect(Array.from(kept.data())).toEqual(Array.from(op(x, { axis: axes }).data()));
      }),
      RUNS,
    );
  });

  it("mean · n = sum", () => {
    fc.assert(
      fc.property(withAxesArb, ([x, axes]) => {
        const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
        const m = fx.mean(x, { axis: axes }).data();
        const s = fx.sum(x, { axis: axes }).data();
        m.forEach((v, i) => expect(close(v * n, s[i]!)).toBe(true));
      }),
      RUNS,
    );
  });

  it("max ≥ every element ≥ min, and both are attained", () => {
    fc.assert(
      fc.property(withAxesArb, ([x, axes]) => {
        const hi = fx.max(x, { axis: axes, keepDims: true });
        const lo = fx.min(x, { axis: axes, keepDims: true });
        expect(fx.sum(fx.cast(fx.greater(x, hi), "int32")).item()).toBe(0);
        expect(fx.sum(fx.cast(fx.less(x, lo), "int32")).item()).toBe(0);
        // Every group has at least one element equal to its max.
        const hits = fx.sum(fx.cast(fx.equal(x, hi), "int32"), { axis: axes });
        for (const h of hits.data()) expect(h).toBeGreaterThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it("argmax/argmin index an extremum along the axis (the first one)", () => {
    fc.assert(
      fc.property(withAxesArb, ([x, axes]) => {
        const ax = axes[0]!;
        const i = fx.argmax(x, { axis: ax, keepDims: true });
        const j = fx.argmin(x, { axis: ax, keepDims: true });
        const maxv = fx.max(x, { axis: ax, keepDims: true });
        const minv = fx.min(x, { axis: ax, keepDims: true });
        // Gather the value at the arg index of every row via a one-hot mask.
        const pos = fx.reshape(fx.arange(x.shape[ax]!), x.shape.map((d, k) => (k === ax ? d : 1)));
        const at = (idx: fx.Tensor) => fx.sum(fx.where(fx.equal(pos, idx), x, 0), { axis: ax, keepDims: true });
        // (+ 0 turns −0 into 0: the masked sum cannot tell them apart)
        const vals = (t: fx.Tensor) => Array.from(t.data(), (v) => v + 0);
        expect(vals(at(i))).toEqual(vals(maxv));
        expect(vals(at(j))).toEqual(vals(minv));
        // No earlier position holds the maximum.
        const earlier = fx.logicalAnd(fx.less(pos, i), fx.equal(x, maxv));
        expect(fx.sum(fx.cast(earlier, "int32")).item()).toBe(0);
      }),
      RUNS,
    );
  });

  it("max ≤ logSumExp ≤ max + log n", () => {
    fc.assert(
      fc.property(withAxesArb, ([x, axes]) => {
        const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
        const lse = fx.logSumExp(x, { axis: axes }).data();
        const m = fx.max(x, { axis: axes }).data();
        lse.forEach((v, i) => {
          expect(v).toBeGreaterThanOrEqual(m[i]! - 1e-12);
          expect(v).toBeLessThanOrEqual(m[i]! + Math.log(n) + 1e-12);
        });
      }),
      RUNS,
    );
  });

  it("logSumExp is shift-equivariant: lse(x + c) = lse(x) + c, even for huge c", () => {
    fc.assert(
      fc.property(withAxesArb, fc.double({ min: -1e6, max: 1e6, noNaN: true }), ([x, axes], c) => {
        const a = fx.logSumExp(fx.add(x, c), { axis: axes }).data();
        const b = fx.logSumExp(x, { axis: axes }).data();
        a.forEach((v, i) => expect(close(v, b[i]! + c, 1e-9)).toBe(true));
      }),
      RUNS,
    );
  });

  it("variance ≥ 0, std = sqrt(variance), and variance(x + c) = variance(x)", () => {
    fc.assert(
      fc.property(withAxesArb, fc.double({ min: -100, max: 100, noNaN: true }), ([x, axes], c) => {
        const v = fx.variance(x, { axis: axes }).data();
        const s = fx.std(x, { axis: axes }).data();
        const shifted = fx.variance(fx.add(x, c), { axis: axes }).data();
        v.forEach((vi, i) => {
          expect(vi).toBeGreaterThanOrEqual(0);
          expect(close(s[i]!, Math.sqrt(vi))).toBe(true);
          expect(Math.abs(shifted[i]! - vi)).toBeLessThanOrEqual(1e-8 * (1 + Math.abs(c) * Math.abs(c)));
        });
      }),
      RUNS,
    );
  });

  it("NaN anywhere in a group makes its sum, max and min NaN", () => {
    fc.assert(
      fc.property(withAxesArb, fc.nat(), ([x, axes], k) => {
        const data = x.data();
        data[k % data.length] = NaN;
        const y = fx.tensor(data, { shape: [...x.shape] });
        const isNanRow = fx.max(fx.cast(fx.isNaN(y), "int32"), { axis: axes });
        for (const op of [fx.sum, fx.max, fx.min]) {
          const r = op(y, { axis: axes });
          expect(Array.from(fx.isNaN(r).data())).toEqual(Array.from(isNanRow.data()));
        }
      }),
      RUNS,
    );
  });
});

// A law can hold for a wrong implementation too (a logSumExp that returns max + log n / 2
// satisfies max ≤ lse ≤ max + log n; a variance of 0 is shift-invariant). So every reduction the
// laws above speak about is also compared, value by value, with the reference interpreter
// (the primitives' `impl`s, not compiled code), bit for bit, eager and under jit, on corner
// values (NaN, ±Inf, ±0, subnormals, ties) in float32 and float64.
describe("the reductions of the laws equal the reference, bit for bit", () => {
  const REDUCTIONS: [string, (x: fx.Tensor, o: { axis: number[]; keepDims: boolean }) => fx.Tensor][] = [
    ["sum", fx.sum],
    ["mean", fx.mean],
    ["max", fx.max],
    ["min", fx.min],
    ["prod", fx.prod],
    ["logSumExp", fx.logSumExp],
    ["variance", fx.variance],
    ["std", fx.std],
    ["argmax", (x, o) => fx.argmax(x, { axis: o.axis[0]!, keepDims: o.keepDims })],
    ["argmin", (x, o) => fx.argmin(x, { axis: o.axis[0]!, keepDims: o.keepDims })],
  ];
  const arb = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      dtype: fc.constantFrom("float32" as const, "float64" as const),
      op: fc.constantFrom(...REDUCTIONS),
      keepDims: fc.boolean(),
    })
    .chain((r) => fc.record({ r: fc.constant(r), x: cornerTensorArb(r.shape, r.dtype), axes: fc.subarray([...r.shape.keys()], { minLength: 1 }) }));
  it("sum, mean, max, min, prod, logSumExp, variance, std, argmax, argmin", () => {
    fc.assert(
      fc.property(arb, ({ r, x, axes }) => {
        const [name, op] = r.op;
        const f = (t: fx.Tensor) => op(t, { axis: axes, keepDims: r.keepDims });
        const [expected] = fx.evalProgram(fx.trace(f)(x), [x], { reference: true });
        const label = `${name} ${r.dtype}${JSON.stringify(r.shape)} axes ${JSON.stringify(axes)} on ${JSON.stringify(Array.from(x.data()).map(String))}`;
        expect(tensorDifference(f(x), expected!), `eager ${label}`).toBeNull();
        expect(tensorDifference(fx.jit(f)(x), expected!), `jit ${label}`).toBeNull();
      }),
      runs(200),
    );
  });
});
